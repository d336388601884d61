"""Closed-loop users for the real check: each user sends GET, waits for the
answer, then thinks for a constant time (capsim's closed users with a
constant think time). FastHttpUser keeps one keep-alive connection per user
and costs the least CPU per request, so Locust's own overhead stays small
next to the server's service time.

Environment: THINK_MS (think time, ms; default 500), REQUEST_PATH (default
`/`; `/zero` is answered without sleeping, to measure the overhead).
"""

import os

from locust import constant, task
from locust.contrib.fasthttp import FastHttpUser

THINK_S = float(os.environ.get("THINK_MS", "500")) / 1000.0
PATH = os.environ.get("REQUEST_PATH", "/")


class SleepUser(FastHttpUser):
    wait_time = constant(THINK_S)

    @task
    def get(self):
        self.client.get(PATH, name="sleep")
