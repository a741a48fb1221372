"""Throughput of the treatment page and the enquiry post, against nginx serving a file.

A fresh app is started on the embedded default (SQLite, file caches) and served by
gunicorn exactly as `make run` serves it (see harness.py). Then, with wrk:

(a) `treatment`: the treatment page as an anonymous visitor sees it (the full-page cache
    answers after the first request);
(b) `ceiling`: the same bytes saved as a file and served by nginx, started by this
    benchmark on another port with a minimal configuration: what the machine can do when
    no application runs at all;
(c) `enquiry`: enquiry posts, each with its own name and mobile number from one fetched
    form (every post is a new enquiry, stored with its audit event and notification task).

Each run lasts `--seconds` after a warm-up of `--warmup` seconds, with `--connections`
keep-alive connections from `--threads` wrk threads. Figures are printed last, one a line
(`treatment requests_per_second 1234.5`), including the ratio (a)/(b). Wall-clock
figures are reported, never asserted; the exit status is 1 only when a run saw errors
(a status other than 200 for pages or 303 for posts, or a socket error).
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

from enquiries import (
    APP_ENV,
    CLINIC_INPUT,
    FORM_PATH,
    MIN_SECONDS_CODE,
    MIN_SECONDS_MARGIN,
    TOKEN_INPUT,
    VALUE,
    clinic_choices,
)
from harness import (
    DATABASES,
    ROOT,
    STARTUP_SECONDS,
    STOP_SECONDS,
    App,
    Figures,
    cpu_count,
    free_port,
    http_get,
    procfile_command,
    say,
    stop_cleanly_on_sigterm,
)
from pages import page_paths

WSGI_APPLICATION = "fascia.wsgi"
WRK_SCRIPT = ROOT / "bench" / "load.lua"
WRK_REPORT = re.compile(r"^FASCIA_WRK (\{.*\})$", re.MULTILINE)
NGINX_CONFIG = """\
daemon off;
worker_processes auto;
pid {directory}/nginx.pid;
error_log {directory}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 1000000;
    client_body_temp_path {directory}/client_body;
    proxy_temp_path {directory}/proxy;
    fastcgi_temp_path {directory}/fastcgi;
    uwsgi_temp_path {directory}/uwsgi;
    scgi_temp_path {directory}/scgi;
    types {{ text/html html; }}
    server {{
        listen 127.0.0.1:{port};
        root {directory}/root;
        location / {{ try_files $uri $uri/index.html =404; }}
    }}
}}
"""
RATIOS = (
    ("treatment_to_ceiling", "treatment", "ceiling"),
    ("gunicorn_floor_to_ceiling", "gunicorn_floor", "ceiling"),
    ("treatment_to_gunicorn_floor", "treatment", "gunicorn_floor"),
    ("enquiry_to_treatment", "enquiry", "treatment"),
)
MESSAGE = "Pain deep in the buttock and down the back of the leg when sitting."


@dataclass
class WrkRun:
    """What one wrk run measured."""

    requests: int
    seconds: float
    bytes: int
    errors: int
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @classmethod
    def parse(cls, output: str) -> WrkRun:
        match = WRK_REPORT.search(output)
        if match is None:
            raise RuntimeError(f"wrk printed no report:\n{output[-2000:]}")
        report = json.loads(match.group(1))
        errors = sum(
            report[name] for name in ("connect_errors", "read_errors", "write_errors", "timeouts")
        )
        return cls(
            requests=report["requests"],
            seconds=report["duration_us"] / 1e6,
            bytes=report["bytes"],
            errors=errors + report["bad_statuses"],
            p50_ms=report["p50_us"] / 1000,
            p90_ms=report["p90_us"] / 1000,
            p99_ms=report["p99_us"] / 1000,
            max_ms=report["max_us"] / 1000,
        )

    def add_to(self, figures: Figures, scope: str) -> None:
        figures.add(scope, "requests", self.requests)
        figures.add(scope, "errors", self.errors)
        figures.add(scope, "requests_per_second", self.rate)
        figures.add(scope, "latency_p50_ms", self.p50_ms, digits=2)
        figures.add(scope, "latency_p90_ms", self.p90_ms, digits=2)
        figures.add(scope, "latency_p99_ms", self.p99_ms, digits=2)
        figures.add(scope, "latency_max_ms", self.max_ms, digits=2)
        figures.add(scope, "bytes_per_response", self.bytes // max(self.requests, 1))


def wrk(
    url: str,
    args: argparse.Namespace,
    seconds: float,
    env: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
) -> WrkRun:
    command = [
        args.wrk,
        *(f"--header={name}: {value}" for name, value in (headers or {}).items()),
        f"--threads={args.threads}",
        f"--connections={args.connections}",
        f"--duration={max(1, round(seconds))}s",
        "--timeout=30s",
        f"--script={WRK_SCRIPT}",
        url,
    ]
    result = subprocess.run(
        command,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, **(env or {})},
    )
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{result.stdout}{result.stderr}")
    return WrkRun.parse(result.stdout)


def measure(
    url: str,
    args: argparse.Namespace,
    env: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
) -> WrkRun:
    """A warm-up run, then the measured run."""
    if args.warmup:
        wrk(url, args, args.warmup, env, headers)
    return wrk(url, args, args.seconds, env, headers)


class Server:
    """A server this benchmark starts in its own process group on a free port of 127.0.0.1."""

    name = "server"

    def __init__(self) -> None:
        self.directory = Path(tempfile.mkdtemp(prefix=f"fascia-bench-{self.name}-"))
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    def command(self) -> list[str]:
        raise NotImplementedError

    def environment(self) -> dict[str, str]:
        return dict(os.environ)

    def publish(self, path: str, body: bytes) -> str:
        """Save `body` as the file served at `path`; the URL to request it."""
        target = self.directory / "root" / path.strip("/") / "index.html"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(body)
        return f"http://127.0.0.1:{self.port}{path}"

    def start(self, path: str) -> None:
        with (self.directory / "server.log").open("ab") as log:
            self.process = subprocess.Popen(
                self.command(),
                cwd=ROOT,
                env=self.environment(),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline and self.process.poll() is None:
            with contextlib.suppress(OSError, http.client.HTTPException):
                if http_get(self.port, path, timeout=5)[0] == 200:
                    return
            time.sleep(0.1)
        log_text = (self.directory / "server.log").read_text(errors="replace")
        raise RuntimeError(f"{self.name} did not serve {path}:\n{log_text[-2000:]}")

    def __enter__(self) -> Server:
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self.process is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=STOP_SECONDS)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        shutil.rmtree(self.directory, ignore_errors=True)


class Nginx(Server):
    """nginx serving the published files with a minimal configuration: the ceiling."""

    name = "nginx"

    def __init__(self, binary: str) -> None:
        super().__init__()
        self.binary = binary
        # nginx's workers run as an unprivileged user when it is started as root.
        self.directory.chmod(0o755)

    def command(self) -> list[str]:
        config = self.directory / "nginx.conf"
        config.write_text(NGINX_CONFIG.format(directory=self.directory, port=self.port))
        return [self.binary, "-p", str(self.directory), "-c", str(config)]


class GunicornFloor(Server):
    """bytes_app.py, serving the published page, under Fascia's own gunicorn command."""

    name = "gunicorn-floor"

    def __init__(self, app: App, path: str) -> None:
        super().__init__()
        self.app_env = app.env
        self.page = path

    def command(self) -> list[str]:
        command = procfile_command("web")
        if command[-1] != WSGI_APPLICATION:
            raise RuntimeError(f"the Procfile's web command no longer ends with {WSGI_APPLICATION}")
        return [*command[:-1], "--pythonpath", "bench", "bytes_app:application"]

    def environment(self) -> dict[str, str]:
        body = self.directory / "root" / self.page.strip("/") / "index.html"
        return {**self.app_env, "PORT": str(self.port), "FASCIA_BENCH_BODY": str(body)}


def enquiry_body(app: App) -> str:
    """The fields every post shares: a fresh form's token, a clinic, consent, a message."""
    status, page = app.get("/enquire/")
    html = page.decode()
    tag = TOKEN_INPUT.search(html)
    token = VALUE.search(tag.group(0)) if tag else None
    if status != 200 or token is None or not CLINIC_INPUT.search(html):
        raise RuntimeError(f"GET /enquire/ gave {status} without a form token")
    return urlencode(
        {
            "form_token": token.group(1),
            "clinic": clinic_choices(html)[0],
            "preferred_time": "morning",
            "message": MESSAGE,
            "consent": "on",
        }
    )


def bench(args: argparse.Namespace, figures: Figures) -> int:
    figures.add("machine", "nproc", cpu_count())
    figures.add("machine", "python", sys.version.split()[0])
    runs: dict[str, WrkRun] = {}
    with App(args.database, env=APP_ENV, keep=args.keep) as app:
        figures.add("config", "database", args.database)
        figures.add("config", "gunicorn_workers", app.effective_workers())
        figures.add("config", "gunicorn_threads", app.effective_threads())
        figures.add("config", "wrk_threads", args.threads)
        figures.add("config", "wrk_connections", args.connections)
        figures.add("config", "seconds", args.seconds)
        path = page_paths(app, ["treatment"])["treatment"]
        page = first_visit(app, path)
        figures.add("config", "page", path)
        figures.add("config", "page_bytes", len(page.body))

        say(f"(a) {path} from Fascia, as an anonymous visitor")
        runs["treatment"] = measure(app.url + path, args)
        say("(a) the same page, revalidated by a returning visitor (If-None-Match)")
        runs["treatment_revalidated"] = measure(
            app.url + path, args, headers={"If-None-Match": page.etag}
        )
        with Nginx(args.nginx) as nginx:
            url = nginx.publish(path, page.body)
            nginx.start(path)
            say(f"(b) the same {len(page.body)} bytes from nginx")
            runs["ceiling"] = measure(url, args)
        with GunicornFloor(app, path) as floor:
            url = floor.publish(path, page.body)
            floor.start(path)
            say("the same bytes from a minimal Python application under Fascia's gunicorn command")
            runs["gunicorn_floor"] = measure(url, args)

        say("(c) enquiry posts to Fascia")
        before = app.count_rows("enquiries", "Enquiry")
        post_env = {
            "FASCIA_LOAD_BODY": enquiry_body(app),
            "FASCIA_LOAD_ORIGIN": app.url,
            "FASCIA_LOAD_FIRST_NUMBER": str(random.Random(args.seed).randrange(10**7)),
        }
        # A form sent sooner than this after it was rendered is kept as spam.
        time.sleep(float(str(app.query(MIN_SECONDS_CODE))) + MIN_SECONDS_MARGIN)
        runs["enquiry"] = measure(app.url + FORM_PATH, args, env=post_env)
        stored = app.count_rows("enquiries", "Enquiry") - before
        log = app.server_log()

    for scope, run in runs.items():
        run.add_to(figures, scope)
    figures.add("enquiry", "stored", stored)
    figures.add("server", "responses_5xx", log.server_errors)
    figures.add("server", "log_errors", len(log.errors))
    for name, numerator, denominator in RATIOS:
        figures.add("ratio", name, runs[numerator].rate / runs[denominator].rate, digits=3)
    return 1 if any(run.errors for run in runs.values()) or log.server_errors else 0


@dataclass
class Page:
    body: bytes
    etag: str


def first_visit(app: App, path: str) -> Page:
    """Fetch a page once (which fills the page cache); its body and ETag."""
    status, headers, body = http_get(app.port, path)
    if status != 200 or not headers.get("ETag"):
        raise RuntimeError(f"GET {path} gave {status} without an ETag")
    return Page(body, headers["ETag"])


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=DATABASES, default="sqlite")
    parser.add_argument("--seconds", type=float, default=10, help="each measured run")
    parser.add_argument("--warmup", type=float, default=2, help="before each measured run")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--connections", type=int, default=32, help="wrk connections")
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--keep", action="store_true", help="keep the app's directory")
    parser.add_argument("--wrk", default=shutil.which("wrk") or "wrk")
    parser.add_argument("--nginx", default=shutil.which("nginx") or "/usr/sbin/nginx")
    args = parser.parse_args(argv)
    for tool in (args.wrk, args.nginx):
        if not Path(tool).exists() and shutil.which(tool) is None:
            parser.error(f"{tool} not found: run 'make bench-tools' (Debian packages wrk, nginx)")
    return args


def main(argv: list[str] | None = None) -> int:
    stop_cleanly_on_sigterm()
    args = parse_args(argv)
    figures = Figures()
    status = bench(args, figures)
    figures.print()
    return status


if __name__ == "__main__":
    sys.exit(main())
