"""Writes access.log: a sample nginx access log in the combined log format.

Deterministic (fixed seed), so the file in the repository can be rebuilt:
    python3 tests/data/make_access_log.py > tests/data/access.log
Ten minutes of a small shop: traffic rises from about 2 to about 6 requests
per second, then falls back; pages, static files, API calls and a few bots.
"""

import math
import random
from datetime import datetime, timedelta, timezone

random.seed(7)
start = datetime(2025, 10, 10, 13, 50, 0, tzinfo=timezone(timedelta(hours=-7)))
agents = [
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/129.0 Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.6 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (X11; Linux x86_64; rv:131.0) Gecko/20100101 Firefox/131.0",
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    "curl/8.5.0",
]


def request():
    r = random.random()
    if r < 0.35:
        return "GET", f"/products/{random.randint(1, 500)}", 200, random.randint(8000, 30000)
    if r < 0.55:
        return "GET", random.choice(["/static/app.js", "/static/app.css", "/static/logo.svg"]), 200, random.randint(2000, 90000)
    if r < 0.70:
        return "GET", f"/search?q={random.choice(['shoes', 'red+hat', 'gift', 'lamp'])}", 200, random.randint(5000, 20000)
    if r < 0.82:
        return "GET", "/", 200, 14523
    if r < 0.92:
        return "POST", "/api/cart", random.choice([200, 200, 200, 409]), random.randint(100, 900)
    if r < 0.97:
        return "POST", "/api/checkout", random.choice([200, 200, 502]), random.randint(200, 1200)
    return "GET", "/wp-login.php", 404, 153


t = 0.0
lines = []
while t < 600:
    rate = 2 + 4 * math.sin(math.pi * t / 600)
    t += random.expovariate(rate)
    if t >= 600:
        break
    method, path, status, size = request()
    when = (start + timedelta(seconds=t)).strftime("%d/%b/%Y:%H:%M:%S %z")
    ip = f"{random.choice([203, 198, 192])}.{random.randint(0, 255)}.{random.randint(0, 255)}.{random.randint(1, 254)}"
    referer = random.choice(['"-"', '"https://shop.example.com/"', '"https://www.google.com/"'])
    agent = random.choice(agents)
    lines.append(f'{ip} - - [{when}] "{method} {path} HTTP/1.1" {status} {size} {referer} "{agent}"')

print("\n".join(lines))
