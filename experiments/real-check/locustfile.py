"""Closed-loop users for the real check: each user sends GET, waits for the
answer, then thinks for a constant time (capsim's closed users with a
constant think time). FastHttpUser keeps one keep-alive connection per user
and costs the least CPU per request, so Locust's own overhead stays small
next to the server's service time.

Users start one after another, STAGGER_MS apart, as capsim's closed users
do at `spawn_rate_per_s`. Locust's own spawn rate cannot do this: it starts
floor(rate) users at once every second, and with a constant think time a
batch of users started together stays in lockstep for dozens of cycles,
sending bursts the model does not have (longer queues, a heavier tail).

Environment: THINK_MS (think time, ms; default 500), STAGGER_MS (between
users' first requests, ms; default 0), REQUEST_PATH (default `/`; `/zero`
is answered without sleeping).
"""

import itertools
import os

import gevent
from locust import constant, task
from locust.contrib.fasthttp import FastHttpUser

THINK_S = float(os.environ.get("THINK_MS", "500")) / 1000.0
STAGGER_S = float(os.environ.get("STAGGER_MS", "0")) / 1000.0
PATH = os.environ.get("REQUEST_PATH", "/")
STARTED = itertools.count()


class SleepUser(FastHttpUser):
    wait_time = constant(THINK_S)

    def on_start(self):
        gevent.sleep(next(STARTED) * STAGGER_S)

    @task
    def get(self):
        self.client.get(PATH, name="sleep")
