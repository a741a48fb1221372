"""Fascia as a clinic chain runs it, on one machine: nginx in front of two app servers.

`make cluster` sets the site up as `make run` does, then runs this: nginx on port 8080
(deploy/nginx.conf.template: the shared page cache, static files and uploads from disk)
in front of two gunicorn app servers on 8001 and 8002 (the Procfile's `web:` command),
one task worker and the housekeeping process (its `worker:` and `housekeeping:` lines),
all on the database and cache the environment names: PostgreSQL and Redis with
DATABASE_URL and REDIS_URL, SQLite and files under var/ otherwise. Each process logs to
var/cluster/<name>.log, shown here as it comes; Ctrl-C stops them all.

The app servers purge the proxy's cache through Wagtail's frontend-cache invalidation
(FASCIA_FRONT_CACHE_URL). nginx only notices a server that refuses connections or
answers 502-504; so that one whose /healthz fails is taken out too, this launcher asks
each server's /healthz every two seconds, marks a failing one `down` in the proxy's
upstream list and reloads nginx, and puts it back once it answers 200 again.

With `--proxy-only --app HOST:PORT ...` it runs the proxy and its health check alone, in
front of app servers on other machines (README.md, "Scale-out"). `Cluster` is what
bench/cluster.py uses to start the same processes and to kill and restart one server.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import shlex
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "deploy" / "nginx.conf.template"
NGINX = "/usr/sbin/nginx"
NGINX_MODULES = "/usr/lib/nginx/modules"
NGINX_MIME_TYPES = "/etc/nginx/mime.types"
JS_MODULE = Path(NGINX_MODULES) / "ngx_http_js_module.so"
STARTUP_SECONDS = 90
STOP_SECONDS = 30  # gunicorn.conf.py gives requests 20 s to finish
HEALTH_INTERVAL = 2.0
HEALTH_TIMEOUT = 5.0
# Failed /healthz answers in a row that take a server out: one slow answer from a busy
# server must not move all its traffic onto the others.
HEALTH_FAILURES = 2
# A refused connection or a 502-504 leaves a server out for this long (nginx, passive).
PASSIVE_FAIL_TIMEOUT = "5s"
# The health check's User-Agent, by which `make cluster` leaves its requests out of the logs.
HEALTH_AGENT = "fascia-health-check"


def say(message: str) -> None:
    """A line for the person running the cluster, at once."""
    sys.stdout.write(message + "\n")
    sys.stdout.flush()


def procfile_command(name: str) -> list[str]:
    """The command of one Procfile line, as `make run` starts it."""
    for line in (ROOT / "Procfile").read_text().splitlines():
        process, _, command = line.partition(":")
        if process.strip() == name:
            return shlex.split(command)
    raise KeyError(f"no '{name}:' line in {ROOT / 'Procfile'}")


def http_status(address: str, path: str, headers: dict[str, str], timeout: float) -> int:
    """The status of one GET to `address` (host:port); 0 when nothing answered."""
    host, _, port = address.rpartition(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=timeout)
    try:
        connection.request("GET", path, headers=headers)
        return connection.getresponse().status
    except (OSError, http.client.HTTPException):
        return 0
    finally:
        connection.close()


class Process:
    """One command in a process group of its own, its output appended to a log file.

    Its own group, so that gunicorn's master and workers are stopped (or killed, as a
    crash would) together, and so that Ctrl-C reaches only the launcher, which then stops
    everything in order.
    """

    def __init__(self, name: str, command: list[str], env: dict[str, str], log: Path) -> None:
        self.name = name
        self.command = command
        self.env = env
        self.log = log
        self.popen: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log.open("ab") as output:
            # The Procfile's commands and nginx's, never text from outside.
            self.popen = subprocess.Popen(  # noqa: S603
                self.command,
                cwd=ROOT,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    @property
    def running(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def signal(self, signum: int, *, group: bool = True) -> None:
        """Send `signum` to the process group, or with `group=False` to the process alone."""
        if self.popen is not None:
            with contextlib.suppress(ProcessLookupError):
                (os.killpg if group else os.kill)(self.popen.pid, signum)

    def wait(self, timeout: float) -> None:
        """Wait for it to end; SIGKILL to the group after `timeout` and for anything left."""
        if self.popen is None:
            return
        try:
            self.popen.wait(timeout=max(timeout, 0))
        except subprocess.TimeoutExpired:
            self.signal(signal.SIGKILL)
            self.popen.wait()
        self.signal(signal.SIGKILL)  # gunicorn workers left behind, if any
        self.popen = None

    def kill(self) -> None:
        """SIGKILL to the whole group at once: nothing finishes or cleans up."""
        self.signal(signal.SIGKILL)
        self.wait(0)

    def log_tail(self, lines: int = 30) -> str:
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return "\n".join(text.splitlines()[-lines:])


@dataclass
class Proxy:
    """nginx from deploy/nginx.conf.template, in a directory of its own."""

    directory: Path
    listen: str
    app_servers: list[str]
    static_root: Path
    media_root: Path
    purge_from: list[str]
    nginx: str = NGINX
    down: set[str] = field(default_factory=set)

    @property
    def config(self) -> Path:
        return self.directory / "nginx.conf"

    def command(self) -> list[str]:
        # -e: nginx opens its built-in error log (under /var/log) before it reads the
        # configuration; point it here, so nothing needs root.
        return [
            self.nginx,
            "-p",
            str(self.directory),
            "-e",
            str(self.directory / "error.log"),
            "-c",
            str(self.config),
            "-g",
            "daemon off;",
        ]

    def write_config(self) -> None:
        (self.directory / "temp").mkdir(parents=True, exist_ok=True)
        # Started as root, nginx runs its workers as `nobody`, which must be able to read
        # static files and write the cache; otherwise they run as whoever started it.
        user = "user nobody nogroup;" if os.geteuid() == 0 else ""
        values = {
            "@MODULES_DIR@": NGINX_MODULES,
            "@MIME_TYPES@": NGINX_MIME_TYPES,
            "@USER@": user,
            "@PROXY_DIR@": str(self.directory),
            "@LISTEN@": self.listen,
            "@STATIC_ROOT@": str(self.static_root),
            "@MEDIA_ROOT@": str(self.media_root),
            "@DEPLOY_DIR@": str(ROOT / "deploy"),
            "@PURGE_ALLOW@": " ".join(f"allow {address};" for address in self.purge_from),
        }
        text = TEMPLATE.read_text()
        for name, value in values.items():
            text = text.replace(name, value)
        self.config.write_text(text)
        self.write_upstreams()

    def write_upstreams(self) -> None:
        """The upstream list, with the servers in `down` marked so (written whole, then
        renamed, so nginx never reads half a file)."""
        lines = [
            f"server {server} down;"
            if server in self.down
            else f"server {server} max_fails=1 fail_timeout={PASSIVE_FAIL_TIMEOUT};"
            for server in self.app_servers
        ]
        path = self.directory / "upstreams.conf"
        draft = path.with_suffix(".new")
        draft.write_text("\n".join(lines) + "\n")
        draft.replace(path)


class HealthCheck(threading.Thread):
    """Asks each app server's /healthz; takes a failing one out of nginx's list and puts
    it back when it answers 200 again. Never takes the last one out: with every server
    failing, nginx's own retries and its stale copies do what can be done."""

    def __init__(self, proxy: Proxy, process: Process, base_url: str, say) -> None:
        super().__init__(daemon=True, name="health-check")
        self.proxy = proxy
        self.process = process
        self.say = say
        base = urlsplit(base_url)
        # As the proxy asks: the public host name (ALLOWED_HOSTS) and scheme.
        self.headers = {
            "Host": base.netloc,
            "X-Forwarded-Proto": base.scheme,
            "User-Agent": HEALTH_AGENT,
        }
        self.failures = dict.fromkeys(proxy.app_servers, 0)
        self.stopping = threading.Event()

    def run(self) -> None:
        while not self.stopping.wait(HEALTH_INTERVAL):
            self.check_once()

    def check_once(self) -> None:
        for server in self.proxy.app_servers:
            status = http_status(server, "/healthz", self.headers, HEALTH_TIMEOUT)
            self.failures[server] = 0 if status == 200 else self.failures[server] + 1
        down = {server for server, count in self.failures.items() if count >= HEALTH_FAILURES}
        if down == set(self.proxy.app_servers):
            down = set()
        if down != self.proxy.down:
            for server in sorted(down - self.proxy.down):
                self.say(f"health check: {server} fails /healthz, taken out")
            for server in sorted(self.proxy.down - down):
                self.say(f"health check: {server} answers /healthz again, put back")
            self.proxy.down = down
            self.proxy.write_upstreams()
            # nginx's master rereads its configuration and replaces its workers gracefully.
            self.process.signal(signal.SIGHUP, group=False)

    def stop(self) -> None:
        self.stopping.set()


def project_paths(env: dict[str, str]) -> tuple[Path, Path]:
    """STATIC_ROOT and MEDIA_ROOT as the settings work them out from `env`."""
    code = (
        "import json; from fascia import settings; "
        "print(json.dumps([str(settings.STATIC_ROOT), str(settings.MEDIA_ROOT)]))"
    )
    output = subprocess.run(  # noqa: S603 (this Python, with the code above)
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    ).stdout
    static_root, media_root = json.loads(output.splitlines()[-1])
    return Path(static_root), Path(media_root)


class Cluster:
    """The proxy, the app servers, one task worker and housekeeping, started and stopped
    together; one app server can be killed and started again on its own."""

    def __init__(
        self,
        env: dict[str, str],
        *,
        var_dir: Path,
        listen: str = "127.0.0.1:8080",
        app_ports: tuple[int, ...] = (8001, 8002),
        workers: int | None = None,
        others: tuple[str, ...] = ("worker", "housekeeping"),
        nginx: str = NGINX,
        say=say,
    ) -> None:
        self.listen = listen
        self.url = f"http://{listen}"
        self.log_dir = var_dir / "cluster"
        self.log_dir.mkdir(parents=True, exist_ok=True)
        self.env = {
            **env,
            "FASCIA_VAR_DIR": str(var_dir),
            "FASCIA_FRONT_CACHE_URL": self.url,
            "FASCIA_PROXY_COUNT": env.get("FASCIA_PROXY_COUNT", "1"),
            "FASCIA_BASE_URL": env.get("FASCIA_BASE_URL", self.url),
            "PYTHONUNBUFFERED": "1",
        }
        per_server = str(workers or env.get("WEB_CONCURRENCY") or os.cpu_count() or 2)
        self.app_servers = [
            Process(
                f"web{number}",
                procfile_command("web"),
                {**self.env, "HOST": "127.0.0.1", "PORT": str(port), "WEB_CONCURRENCY": per_server},
                self.log_dir / f"web{number}.log",
            )
            for number, port in enumerate(app_ports, start=1)
        ]
        self.app_addresses = [f"127.0.0.1:{port}" for port in app_ports]
        self.others = [
            Process(name, procfile_command(name), self.env, self.log_dir / f"{name}.log")
            for name in others
        ]
        static_root, media_root = project_paths(self.env)
        self.proxy = Proxy(
            directory=var_dir / "proxy",
            listen=listen,
            app_servers=self.app_addresses,
            static_root=static_root,
            media_root=media_root,
            purge_from=["127.0.0.1"],
            nginx=nginx,
        )
        self.proxy_process = Process(
            "proxy", self.proxy.command(), self.env, self.log_dir / "proxy.log"
        )
        self.health = HealthCheck(self.proxy, self.proxy_process, self.env["FASCIA_BASE_URL"], say)

    def processes(self) -> list[Process]:
        return [self.proxy_process, *self.app_servers, *self.others]

    def start(self) -> None:
        for process in [*self.app_servers, *self.others]:
            process.start()
        for index in range(len(self.app_servers)):
            self.wait_for_app_server(index)
        start_proxy(self.proxy, self.proxy_process, self.health.headers)
        self.health.start()

    def stop(self) -> None:
        """SIGTERM to every process at once (the proxy first), then wait for them all."""
        self.health.stop()
        processes = self.processes()
        for process in processes:
            process.signal(signal.SIGTERM)
        deadline = time.monotonic() + STOP_SECONDS
        for process in processes:
            process.wait(deadline - time.monotonic())

    def kill_app_server(self, index: int) -> None:
        self.app_servers[index].kill()

    def start_app_server(self, index: int) -> None:
        self.app_servers[index].start()
        self.wait_for_app_server(index)

    def wait_for_app_server(self, index: int) -> None:
        process = self.app_servers[index]
        wait_until(
            lambda: (
                http_status(self.app_addresses[index], "/healthz", self.health.headers, 5) == 200
            ),
            process,
            f"{process.name} ({self.app_addresses[index]}) did not answer /healthz",
        )

    def logs(self) -> dict[str, Path]:
        """What `make cluster` shows: each process's output and nginx's error log."""
        logs = {process.name: process.log for process in [*self.app_servers, *self.others]}
        return {**logs, "nginx": self.proxy.directory / "error.log"}


def start_proxy(proxy: Proxy, process: Process, headers: dict[str, str]) -> None:
    proxy.write_config()
    check = subprocess.run(  # noqa: S603 (nginx, checking its configuration)
        [*proxy.command(), "-t", "-q"], capture_output=True, text=True, check=False
    )
    if check.returncode != 0:
        raise RuntimeError(f"nginx refused {proxy.config}:\n{check.stderr}")
    process.start()
    wait_until(
        lambda: http_status(proxy.listen, "/healthz", headers, 5) == 200,
        process,
        f"the proxy did not answer on {proxy.listen}",
    )


def wait_until(ready, process: Process, failure: str) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if not process.running:
            raise RuntimeError(f"{process.name} exited:\n{process.log_tail()}")
        if ready():
            return
        time.sleep(0.2)
    raise RuntimeError(f"{failure} within {STARTUP_SECONDS} s:\n{process.log_tail()}")


def follow(logs: dict[str, Path]) -> None:
    """Print what each log gets from now on, each line after the name it is given (the
    health check's requests, every two seconds, left out), until interrupted."""
    offsets = {path: path.stat().st_size if path.exists() else 0 for path in logs.values()}
    width = max(len(name) for name in logs)
    while True:
        time.sleep(0.2)
        for name, path in logs.items():
            for line in _new_lines(path, offsets):
                if HEALTH_AGENT not in line:
                    say(f"{name:<{width}} | {line}")


def _new_lines(path: Path, offsets: dict[Path, int]) -> Iterator[str]:
    if not path.exists():
        return
    with path.open("rb") as log:
        log.seek(offsets[path])
        data = log.read()
    complete = data[: data.rfind(b"\n") + 1]
    offsets[path] += len(complete)
    yield from complete.decode(errors="replace").splitlines()


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--listen", default="127.0.0.1:8080", help="the proxy's address")
    parser.add_argument(
        "--app-ports", default="8001,8002", help="ports of the app servers on this machine"
    )
    parser.add_argument("--workers", type=int, help="gunicorn workers per app server (CPUs)")
    parser.add_argument(
        "--proxy-only",
        action="store_true",
        help="run only the proxy and its health check, in front of --app servers",
    )
    parser.add_argument(
        "--app", action="append", default=[], metavar="HOST:PORT", help="an app server"
    )
    parser.add_argument(
        "--purge-from",
        action="append",
        default=[],
        metavar="ADDRESS",
        help="an address allowed to purge the cache (the app servers'; 127.0.0.1)",
    )
    args = parser.parse_args(argv)
    if args.proxy_only and not args.app:
        parser.error("--proxy-only needs at least one --app HOST:PORT")
    if not Path(NGINX).exists() or not JS_MODULE.exists():
        parser.error("nginx or its njs module is missing: run 'make nginx'")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, lambda signum, _frame: sys.exit(128 + signum))
    env = dict(os.environ)
    var_dir = Path(env.get("FASCIA_VAR_DIR", ROOT / "var")).resolve()
    if args.proxy_only:
        return run_proxy_only(args, env, var_dir)
    cluster = Cluster(
        env,
        var_dir=var_dir,
        listen=args.listen,
        app_ports=tuple(int(port) for port in args.app_ports.split(",")),
        workers=args.workers,
    )
    try:
        say("Starting the app servers, the task worker and the proxy…")
        cluster.start()
        say(
            f"Fascia is served through the proxy on {cluster.url}/ "
            f"(app servers {', '.join(cluster.app_addresses)}; logs in {cluster.log_dir}). "
            "Ctrl-C stops everything."
        )
        follow(cluster.logs())
    except KeyboardInterrupt:
        pass
    finally:
        say("Stopping…")
        cluster.stop()
    return 0


def run_proxy_only(args: argparse.Namespace, env: dict[str, str], var_dir: Path) -> int:
    static_root, media_root = project_paths(env)
    proxy = Proxy(
        directory=var_dir / "proxy",
        listen=args.listen,
        app_servers=args.app,
        static_root=static_root,
        media_root=media_root,
        purge_from=args.purge_from or ["127.0.0.1"],
    )
    log_dir = var_dir / "cluster"
    log_dir.mkdir(parents=True, exist_ok=True)
    process = Process("proxy", proxy.command(), env, log_dir / "proxy.log")
    health = HealthCheck(proxy, process, env.get("FASCIA_BASE_URL", f"http://{args.listen}"), say)
    try:
        start_proxy(proxy, process, health.headers)
        health.start()
        say(f"The proxy listens on {args.listen} in front of {', '.join(args.app)}.")
        follow({"nginx": proxy.directory / "error.log"})
    except KeyboardInterrupt:
        pass
    finally:
        health.stop()
        process.signal(signal.SIGTERM)
        process.wait(STOP_SECONDS)
    return 0


if __name__ == "__main__":
    sys.exit(main())
