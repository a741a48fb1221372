"""A fresh Fascia served by gunicorn, for benchmarks: start it, measure it, count, stop it.

`App` prepares a new instance the way `make run` does (migrate, `manage.py setup`,
collectstatic) in a temporary FASCIA_VAR_DIR, on SQLite or on a new PostgreSQL database,
then starts the Procfile's `web:` command (gunicorn with gunicorn.conf.py) in its own
process group on a free port and waits for /healthz. Leaving the `with` block stops the
server and removes the directory and the database.

`Browser` reads pages as a browser would, keeping cookies and following redirects, and
signs in through a login form (`App.create_user` makes someone to sign in as).

`Figures` collects the numbers a benchmark reports and prints them last, one a line:
`<scope> <name> <value>`.
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import http.client
import http.cookiejar
import itertools
import json
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import traceback
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.append(str(ROOT))
from deploy.cluster import procfile_command  # noqa: E402  (the Procfile is read one way)

PYTHON = sys.executable
POSTGRES_ADMIN_URL = os.environ.get(
    "FASCIA_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
DATABASES = ("sqlite", "postgres")
# Variables of the caller's environment that would make the app under test share state
# with another instance (database, cache, var directory) or change how it is served.
ISOLATED_VARIABLES = (
    "DATABASE_URL",
    "REDIS_URL",
    "FASCIA_VAR_DIR",
    "FASCIA_MEDIA_ROOT",
    "FASCIA_BASE_URL",
    "WEB_CONCURRENCY",
    "GUNICORN_THREADS",
    "GUNICORN_CMD_ARGS",
    "ALLOWED_HOSTS",
    "CSRF_TRUSTED_ORIGINS",
    "FASCIA_BEHIND_TLS_PROXY",
    "DEBUG",
)
STARTUP_SECONDS = 90
STOP_SECONDS = 30  # gunicorn.conf.py allows 20 s for a graceful stop
ACCESS_STATUS = re.compile(r'" (\d{3}) (?:\d+|-) "')
LOG_ERROR = re.compile(r"\[(?:ERROR|CRITICAL)\]| (?:ERROR|CRITICAL) |^Traceback ")

_database_numbers = itertools.count(1)


def say(message: str) -> None:
    """Progress for people, on stderr, so that stdout ends with the figures alone."""
    print(message, file=sys.stderr, flush=True)


def stop_cleanly_on_sigterm() -> None:
    """Turn SIGTERM into SystemExit, so that `with App(...)` still stops and cleans up."""
    signal.signal(signal.SIGTERM, lambda signum, _frame: sys.exit(128 + signum))


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def cpu_count() -> int:
    """The CPUs this process may use, as `nproc` counts them."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()


def http_get(
    port: int, path: str, timeout: float = 30, host: str = "127.0.0.1"
) -> tuple[int, http.client.HTTPMessage, bytes]:
    """One GET on a new connection: (status, headers, body)."""
    connection = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, response.headers, response.read()
    finally:
        connection.close()


def percentile(values: list[float], percent: float) -> float:
    """Nearest-rank percentile; 0.0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * percent // 100))
    return ordered[int(rank) - 1]


@dataclass
class ServerLog:
    """What the server wrote: response statuses from the access log, and error lines."""

    statuses: Counter[int] = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)

    @classmethod
    def read(cls, *paths: Path) -> ServerLog:
        log = cls()
        for path in paths:
            if not path.exists():
                continue
            for line in path.read_text(errors="replace").splitlines():
                if match := ACCESS_STATUS.search(line):
                    log.statuses[int(match.group(1))] += 1
                elif LOG_ERROR.search(line):
                    log.errors.append(line)
        return log

    @property
    def server_errors(self) -> int:
        return sum(n for status, n in self.statuses.items() if status >= 500)


@dataclass
class Figures:
    """Numbers to report, printed last as `<scope> <name> <value>` lines."""

    rows: list[tuple[str, str, str]] = field(default_factory=list)

    def add(self, scope: str, name: str, value: object, digits: int = 1) -> None:
        if isinstance(value, bool):
            text = "yes" if value else "no"
        elif isinstance(value, float):
            text = f"{value:.{digits}f}"
        else:
            text = str(value)
        self.rows.append((scope, name, text))

    def print(self) -> None:
        for scope, name, text in self.rows:
            print(f"{scope} {name} {text}", flush=True)


def add_app_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of a benchmark that runs on a fresh app for each database."""
    parser.add_argument("--database", choices=[*DATABASES, "both"], default="both")
    parser.add_argument(
        "--workers", type=int, help="gunicorn workers (WEB_CONCURRENCY; default 2 x CPUs + 1)"
    )
    parser.add_argument(
        "--threads", type=int, help="threads per gunicorn worker (GUNICORN_THREADS; default 4)"
    )
    parser.add_argument("--seed", type=int, default=1, help="seed for the posted data (1)")
    parser.add_argument(
        "--postgres-url",
        default=POSTGRES_ADMIN_URL,
        help="a database to connect to to create and drop the benchmark's database",
    )
    parser.add_argument(
        "--keep", action="store_true", help="keep the var directory and database after the run"
    )


def run_on_databases(
    args: argparse.Namespace,
    bench_database: Callable[[str, argparse.Namespace, Figures], list[str]],
    verdict: str,
    claim: str,
) -> int:
    """Run `bench_database` for each database of `--database`, print the figures, then
    `<claim>: yes` when every run's `verdict` figure is yes; the exit status."""
    stop_cleanly_on_sigterm()
    databases = DATABASES if args.database == "both" else (args.database,)
    figures = Figures()
    figures.add("machine", "nproc", cpu_count())
    figures.add("machine", "python", sys.version.split()[0])
    problems: dict[str, list[str]] = {}
    for database in databases:
        try:
            problems[database] = bench_database(database, args, figures)
        except Exception as error:
            say(traceback.format_exc())
            first_line = str(error).splitlines()[0] if str(error) else repr(error)
            problems[database] = [f"the benchmark could not run: {first_line}"]
            figures.add(database, verdict, False)
    for database, found in problems.items():
        for problem in found:
            say(f"[{database}] PROBLEM: {problem}")
    figures.print()
    passed = all(value == "yes" for _, name, value in figures.rows if name == verdict)
    print(f"{claim}: {'yes' if passed else 'no'}", flush=True)
    return 0 if passed and not any(problems.values()) else 1


class App:
    """A fresh Fascia instance served by gunicorn; use it as a context manager."""

    def __init__(
        self,
        database: str = "sqlite",
        *,
        workers: int | None = None,
        threads: int | None = None,
        env: dict[str, str] | None = None,
        processes: tuple[str, ...] = ("web",),
        keep: bool = False,
        postgres_admin_url: str = POSTGRES_ADMIN_URL,
    ) -> None:
        if database not in DATABASES:
            raise ValueError(f"database must be one of {DATABASES}, not {database!r}")
        self.database = database
        self.workers = workers
        self.threads = threads
        self.extra_env = dict(env or {})
        self.second_factor_keys: dict[str, str] = {}
        self.processes = processes
        self.keep = keep
        self.postgres_admin_url = postgres_admin_url
        self.host = "127.0.0.1"
        self.port = 0
        self.var_dir = Path()
        self.database_name = ""
        self.database_created = False
        self.env: dict[str, str] = {}
        self.running: dict[str, subprocess.Popen[bytes]] = {}

    @classmethod
    def from_arguments(
        cls, database: str, args: argparse.Namespace, env: dict[str, str] | None = None
    ) -> App:
        """An instance configured by the options of `add_app_arguments`."""
        return cls(
            database,
            workers=args.workers,
            threads=args.threads,
            env=env,
            keep=args.keep,
            postgres_admin_url=args.postgres_url,
        )

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def log_path(self, process: str = "web") -> Path:
        return self.var_dir / f"{process}.log"

    # Lifecycle

    def __enter__(self) -> App:
        try:
            self.start()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def start(self) -> None:
        self.var_dir = Path(tempfile.mkdtemp(prefix=f"fascia-bench-{self.database}-"))
        self.port = free_port()
        self.env = self._environment()
        if self.database == "postgres":
            self._create_database()
        say(f"[{self.database}] preparing a fresh app in {self.var_dir}")
        self.manage("migrate", "--no-input")
        self.manage("setup")
        self._collect_static()
        for process in self.processes:
            self.launch(process)
        self.wait_until_healthy()
        say(f"[{self.database}] serving on {self.url} ({self.describe_server()})")

    def close(self) -> None:
        self.stop()
        if self.keep:
            kept = f"database {self.database_name}, " if self.database_created else ""
            say(f"[{self.database}] kept {kept}{self.var_dir}")
            return
        try:
            if self.database_created:
                self._drop_database()
        finally:
            if self.var_dir != Path() and self.var_dir.exists():
                shutil.rmtree(self.var_dir, ignore_errors=True)

    def launch(self, process: str) -> subprocess.Popen[bytes]:
        """Start one Procfile process in its own process group, its output to a log file."""
        with self.log_path(process).open("ab") as log:
            popen = subprocess.Popen(
                procfile_command(process),
                cwd=ROOT,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.running[process] = popen
        return popen

    def send_signal(self, process: str, signum: int) -> None:
        """Send a signal to the process group of one process (gunicorn and its workers)."""
        self._signal_group(self.running[process], signum)

    def stop(self, process: str | None = None, signum: int = signal.SIGTERM) -> None:
        """Stop one process (or all), politely first, then with SIGKILL after STOP_SECONDS."""
        for name in [process] if process else list(self.running):
            popen = self.running.pop(name)
            self._signal_group(popen, signum)
            try:
                popen.wait(timeout=STOP_SECONDS)
            except subprocess.TimeoutExpired:
                say(f"[{self.database}] {name} did not stop in {STOP_SECONDS} s: SIGKILL")
                self._signal_group(popen, signal.SIGKILL)
                popen.wait()
            self._signal_group(popen, signal.SIGKILL)  # workers left behind, if any

    def kill(self, process: str) -> None:
        """Kill one process and its whole group at once with SIGKILL, as a crash would.

        Nothing gets a chance to finish or clean up; the process is reaped, and `launch`
        starts it again with the same command, port, database and var directory.
        """
        self.stop(process, signal.SIGKILL)

    @staticmethod
    def _signal_group(popen: subprocess.Popen[bytes], signum: int) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(popen.pid, signum)

    def wait_until_healthy(self, timeout: float = STARTUP_SECONDS) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            web = self.running.get("web")
            if web is not None and web.poll() is not None:
                raise RuntimeError(
                    f"gunicorn exited with {web.returncode}:\n{self.log_tail('web')}"
                )
            with contextlib.suppress(OSError, http.client.HTTPException):
                if self.get("/healthz", timeout=5)[0] == 200:
                    return
            time.sleep(0.2)
        raise RuntimeError(f"/healthz did not answer within {timeout} s:\n{self.log_tail('web')}")

    def get(self, path: str, timeout: float = 30) -> tuple[int, bytes]:
        """One GET on a new connection: (status, body)."""
        status, _headers, body = http_get(self.port, path, timeout=timeout, host=self.host)
        return status, body

    def log_tail(self, process: str = "web", lines: int = 40) -> str:
        path = self.log_path(process)
        text = path.read_text(errors="replace") if path.exists() else ""
        return "\n".join(text.splitlines()[-lines:])

    def server_log(self) -> ServerLog:
        return ServerLog.read(*(self.log_path(process) for process in self.processes))

    def describe_server(self) -> str:
        return f"{self.effective_workers()} workers x {self.effective_threads()} threads"

    def effective_workers(self) -> int:
        """WEB_CONCURRENCY, or gunicorn.conf.py's default (it counts CPUs like this)."""
        return self.workers or (os.cpu_count() or 1) * 2 + 1

    def effective_threads(self) -> int:
        """GUNICORN_THREADS, or gunicorn.conf.py's default."""
        return self.threads or 4

    # Management commands and counting

    def manage(self, *args: str) -> str:
        """Run `manage.py` against this instance; its output, or an error that includes it."""
        result = subprocess.run(
            [PYTHON, "manage.py", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            check=False,
        )
        with (self.var_dir / "manage.log").open("a") as log:
            log.write(f"$ manage.py {shlex.join(args)}\n{result.stdout}{result.stderr}\n")
        if result.returncode != 0:
            raise RuntimeError(
                f"manage.py {shlex.join(args)} failed ({result.returncode}):\n"
                f"{result.stdout[-2000:]}{result.stderr[-4000:]}"
            )
        return result.stdout

    def query(self, code: str) -> object:
        """Run Python in `manage.py shell` against this instance; it must print one JSON value."""
        output = self.manage("shell", "--no-imports", "-c", code)
        return json.loads(output.strip().splitlines()[-1])

    def count_rows(self, app_label: str, model: str, **filters: object) -> int:
        code = (
            "import json; from django.apps import apps; "
            f"print(json.dumps(apps.get_model({app_label!r}, {model!r})"
            f".objects.filter(**{filters!r}).count()))"
        )
        return int(str(self.query(code)))

    def create_user(
        self, username: str, password: str, *, superuser: bool = False, role: str = "clinic_manager"
    ) -> None:
        """A staff member with `role` in every clinic: by default their manager, who can use
        all of /app/; a superuser can also use the CMS. Each has an authenticator app set up
        (a confirmed TOTP device whose key `second_factor_keys` keeps), so `Browser.sign_in`
        can give the second factor as a person would."""
        method = "create_superuser" if superuser else "create_user"
        key = os.urandom(20).hex()
        self.second_factor_keys[username] = key
        self.query(
            "import json; from fascia.accounts.models import User; "
            "from fascia.clinics.models import Clinic, Membership, Role; "
            "from django_otp.plugins.otp_totp.models import TOTPDevice; "
            f"user = User.objects.{method}({username!r}, password={password!r}); "
            "Membership.objects.bulk_create(Membership(user=user, clinic=clinic, "
            f"role=Role({role!r})) for clinic in Clinic.objects.all()); "
            f"TOTPDevice.objects.create(user=user, name='app', key={key!r}, confirmed=True); "
            "print(json.dumps(True))"
        )

    # Preparation

    def _environment(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k not in ISOLATED_VARIABLES}
        env.update(
            FASCIA_VAR_DIR=str(self.var_dir),
            FASCIA_BASE_URL=self.url,
            HOST=self.host,
            PORT=str(self.port),
            PYTHONUNBUFFERED="1",
        )
        if self.workers:
            env["WEB_CONCURRENCY"] = str(self.workers)
        if self.threads:
            env["GUNICORN_THREADS"] = str(self.threads)
        if self.database == "postgres":
            self.database_name = f"fascia_bench_{os.getpid()}"
            number = next(_database_numbers)
            if number > 1:
                self.database_name += f"_{number}"
            base = self.postgres_admin_url.rsplit("/", 1)[0]
            env["DATABASE_URL"] = f"{base}/{self.database_name}"
        env.update(self.extra_env)
        return env

    def _admin_connection(self) -> psycopg.Connection[tuple[object, ...]]:
        import psycopg

        return psycopg.connect(self.postgres_admin_url, autocommit=True, connect_timeout=10)

    def _create_database(self) -> None:
        from psycopg import sql

        with self._admin_connection() as connection:
            name = sql.Identifier(self.database_name)
            connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))
            connection.execute(sql.SQL("CREATE DATABASE {}").format(name))
        self.database_created = True

    def _drop_database(self) -> None:
        from psycopg import sql

        with self._admin_connection() as connection:
            name = sql.Identifier(self.database_name)
            connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))
        self.database_created = False

    def _collect_static(self) -> None:
        """collectstatic, once per benchmark process: its output depends only on the code."""
        target = self.var_dir / "static"
        copy = _static_copy()
        if copy.exists():
            shutil.rmtree(target, ignore_errors=True)
            shutil.copytree(copy, target)
            return
        self.manage("collectstatic", "--no-input", "--verbosity", "0")
        shutil.copytree(target, copy)


_static_copies: list[Path] = []


def _static_copy() -> Path:
    """Where the first instance's collected static files are kept for the next ones."""
    if not _static_copies:
        directory = Path(tempfile.mkdtemp(prefix="fascia-bench-static-"))
        atexit.register(shutil.rmtree, directory, ignore_errors=True)
        _static_copies.append(directory / "static")
    return _static_copies[0]


@dataclass
class Visit:
    """Where a browser ends up after following redirects: status, address and body."""

    status: int
    url: str
    body: bytes

    @property
    def path(self) -> str:
        parts = urllib.parse.urlsplit(self.url)
        return f"{parts.path}?{parts.query}" if parts.query else parts.path

    @property
    def text(self) -> str:
        return self.body.decode(errors="replace")


class Browser:
    """Requests to one app that keep cookies and follow redirects, as a browser would.

    Every answer is returned whatever its status, so that error pages can be read too.
    """

    def __init__(self, app: App) -> None:
        self.app = app
        self.base_url = app.url
        self.second_factor_page: Visit | None = None
        cookies = urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        self.opener = urllib.request.build_opener(cookies)

    def get(self, path: str) -> Visit:
        return self._open(path, None)

    def post(self, path: str, fields: dict[str, str]) -> Visit:
        """Send a form as a browser does (application/x-www-form-urlencoded)."""
        return self._open(path, urllib.parse.urlencode(fields).encode())

    def sign_in(self, login_path: str, username: str, password: str) -> Visit:
        """Sign in through a login form (Django's or Wagtail's), CSRF token and all, then
        give the code the person's authenticator app shows when the second-factor page asks
        (`App.create_user` set the app up)."""
        form = self.get(login_path)
        fields = {**hidden_fields(form.text), "username": username, "password": password}
        visit = self.post(login_path, fields)
        if urllib.parse.urlsplit(visit.url).path == urllib.parse.urlsplit(login_path).path:
            raise RuntimeError(f"signing in as {username} at {login_path} failed")
        if urllib.parse.urlsplit(visit.url).path == SECOND_FACTOR_PATH:
            self.second_factor_page = visit
            code = {"code": authenticator_code(self.app.second_factor_keys[username])}
            path = urllib.parse.urlsplit(visit.url)
            visit = self.post(f"{path.path}?{path.query}", {**hidden_fields(visit.text), **code})
            if urllib.parse.urlsplit(visit.url).path == SECOND_FACTOR_PATH:
                raise RuntimeError(f"the second factor of {username} was refused")
        return visit

    def _open(self, path: str, data: bytes | None) -> Visit:
        # Always the app's own http:// address, never a file: or other scheme.
        request = urllib.request.Request(self.base_url + path, data=data)  # noqa: S310
        try:
            with self.opener.open(request, timeout=30) as response:
                return Visit(response.status, response.url, response.read())
        except urllib.error.HTTPError as error:
            with error:
                return Visit(error.code, error.url, error.read())


SECOND_FACTOR_PATH = "/app/two-factor/"


def authenticator_code(key_hex: str) -> str:
    """The 6-digit code an authenticator app shows now for a TOTP key (RFC 6238: 30-second
    steps, HMAC-SHA1), as django-otp checks it."""
    from django_otp.oath import totp

    return f"{totp(bytes.fromhex(key_hex)):06d}"


class _HiddenInputs(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.fields: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        name = values.get("name")
        if tag == "input" and values.get("type") == "hidden" and name:
            self.fields.setdefault(name, values.get("value") or "")


def hidden_fields(html: str) -> dict[str, str]:
    """A page's hidden inputs (CSRF token, form token, `next`), the first of each name."""
    parser = _HiddenInputs()
    parser.feed(html)
    return parser.fields
