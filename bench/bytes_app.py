"""The least a Python web application can do: answer every request with one file's bytes.

bench/load.py serves it with gunicorn and gunicorn.conf.py, exactly like Fascia, to show
how much of a page's cost is the server's own and how much is Fascia's.
"""

import os
from pathlib import Path

BODY = Path(os.environ["FASCIA_BENCH_BODY"]).read_bytes()
HEADERS = [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(BODY)))]


def application(_environ, start_response):
    start_response("200 OK", HEADERS)
    return [BODY]
