"""Gunicorn settings for `make run`; HOST, PORT and WEB_CONCURRENCY come from the environment."""

import multiprocessing
import os

bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
timeout = 30
graceful_timeout = 20
keepalive = 5
# Django and Wagtail are imported once, before the workers are forked: workers start at once
# (also when one is replaced) and share the imported code's memory.
preload_app = True
# A worker is replaced after this many requests, as a guard against slow leaks; at a few
# thousand requests a second, a much lower figure would restart workers every few seconds.
max_requests = 100_000
max_requests_jitter = 10_000
accesslog = "-"
errorlog = "-"
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
# gunicorn's control socket lives in one fixed place per user, so two servers on one machine
# (a second site, a benchmark) would fight over it; Fascia does not use it.
control_socket_disable = True
