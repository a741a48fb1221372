"""A clinic chain's deployment on one machine: nginx in front of two app servers.

For each database (SQLite; PostgreSQL with Redis) a fresh app is prepared as `make run`
prepares it (harness.py), then started as `make cluster` starts it (deploy/cluster.py):
nginx on a free port in front of two gunicorn app servers, a task worker and housekeeping.

(a) The treatment page through the proxy, its cache warm, against nginx serving the same
    bytes as a file with load.py's minimal configuration: one wrk run each, and the ratio
    (target 0.5 or more).
(b) `--clients` clients send enquiries through the proxy, each as a browser does: GET
    /enquire/ for the form and its token, then POST it with its own name and phone number;
    an unanswered post or a 5xx is sent again with the same data until it is acknowledged
    (303 to /enquire/received/<REF>/). Once `--kill-after` enquiries are acknowledged, app
    server 1 is killed with SIGKILL, left down for `--down-seconds`, then started again;
    the clients go on until it has served for `--after-restart` seconds. Meanwhile one
    reader fetches public pages (the treatment page from the cache, and the same page with
    a made-up session cookie, which always reaches an app server) and a signed-in staff
    member reads the inbox (/app/enquiries/). Then the database is read: every acknowledged
    reference stored once, no form stored twice (crash.py's accounting).
(c) A change made on the app servers' side (`manage.py shell` against the same database
    and cache, as a CMS request would make it: a page's summary published, then a clinic's
    phone number, which the footer of every page shows) is read through the proxy on the
    very next request: seen or not, and how long after the change returned.

(d) Appointment reminders through a killed task worker. `--reminders` appointments are
    booked for tomorrow (`scheduling.booking.book`, as the front desk books), each queueing
    its reminder to go out at once (reminders are set for the day before at midnight), to
    a local fake SMS gateway (fascia/tests/gateway.py) that answers each delivery after
    `--gateway-latency` seconds. Once `--worker-kill-after` reminders have reached the
    gateway the task worker is killed with SIGKILL, mid-send, and started again; once the
    killed worker's hold on the message it was sending has passed
    (`FASCIA_MESSAGE_LEASE_SECONDS`), one housekeeping round runs, as the cluster's
    housekeeping process does every minute. Then every reminder must be recorded as sent
    and have reached the gateway exactly once: the message the worker died sending is sent
    again with the same idempotency key, which the gateway answers without delivering it
    twice.

Figures are printed last, one a line (`sqlite proxy_to_file_ratio 0.84`), then the verdict
`the cluster held: yes/no`. Exits with 1 if an acknowledged enquiry was lost or doubled,
a public page or the inbox failed to answer, a change was not seen through the proxy, or a
reminder was lost, left unsent or delivered twice.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import itertools
import random
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlencode

from crash import (
    GIVE_UP_SECONDS,
    RESEND_SECONDS,
    Kill,
    Outcome,
    Progress,
    Sent,
    send_until_confirmed,
)
from enquiries import (
    APP_ENV,
    CONNECTION_ERRORS,
    FORM_PATH,
    STORED_CODE,
    TOKEN_INPUT,
    VALUE,
    Client,
    Phase,
    Post,
    clinic_choices,
    enquiry_fields,
    post_form,
)
from harness import (
    PYTHON,
    ROOT,
    App,
    Browser,
    Figures,
    ServerLog,
    add_app_arguments,
    free_port,
    http_get,
    run_on_databases,
    say,
)
from load import Nginx, WrkRun, measure
from pages import page_paths

sys.path.append(str(ROOT))
from deploy.cluster import NGINX, Cluster  # what `make cluster` runs
from fascia.tests.gateway import TOKEN as GATEWAY_TOKEN
from fascia.tests.gateway import FakeGateway

VERDICT = "cluster_held"
REDIS_URL = "redis://127.0.0.1:6379/10"
TARGET_RATIO = 0.5
STAFF = ("bench-staff", "a-bench-password-1")
# Read by the readers during (b), a little apart so that they do not crowd the posts out.
READ_PAUSE_SECONDS = 0.05
# The benchmark's clients all come from 127.0.0.1, and send forms at once: the limits
# per address and the minimum time a person takes to fill the form in are lifted.
CLUSTER_ENV = {
    **APP_ENV,
    "FASCIA_ENQUIRY_MIN_SECONDS": "0",
    # (d): reminders by SMS to the fake gateway, due at once for tomorrow's appointments,
    # and a killed worker's hold on a message that passes in seconds, not minutes.
    "FASCIA_PATIENT_CHANNELS": "sms",
    "FASCIA_GATEWAY_TOKEN": GATEWAY_TOKEN,
    "FASCIA_GATEWAY_TIMEOUT_SECONDS": "2",
    "FASCIA_MESSAGE_LEASE_SECONDS": "8",
    "FASCIA_REMINDER_DAYS_BEFORE": "1",
    "FASCIA_REMINDER_TIME": "00:00",
}
# The acknowledgement: a redirect to the confirmation page, whose address may carry more.
# A request in gunicorn's access log, the health checks' left out.
REQUEST_LINE = re.compile(r'"(?:GET|HEAD|POST) /(?!healthz )')
NEW_PHONE = "+918045678901"
NEW_PHONE_SHOWN = "+91 80 4567 8901"
PUBLISH_CODE = """\
import json, time
from fascia.website.models import TreatmentPage
page = TreatmentPage.objects.live().first()
page.summary = {summary!r}
page.save_revision().publish()
print(json.dumps(time.time()), flush=True)
"""
CLINIC_CODE = """\
import json, time
from fascia.accounts.models import User
from fascia.clinics.actions import clinic_update
from fascia.clinics.models import Clinic
clinic = Clinic.objects.filter(active=True).order_by("pk").first()
clinic_update(clinic=clinic, details={{"phone": {phone!r}}}, by=User.objects.get(username="admin"))
print(json.dumps(time.time()), flush=True)
"""


class ClusterApp(App):
    """A fresh app (harness.App's preparation) served by deploy/cluster.py's Cluster.

    `url` and `port` are the proxy's; `cluster` kills and restarts an app server."""

    def __init__(self, database: str, args: argparse.Namespace, gateway: FakeGateway) -> None:
        super().__init__(
            database,
            workers=args.workers,
            threads=args.threads,
            env={**CLUSTER_ENV, "FASCIA_SMS_GATEWAY_URL": gateway.url},
            processes=(),
            keep=args.keep,
            postgres_admin_url=args.postgres_url,
        )
        self.redis_url = args.redis_url if database == "postgres" else ""
        self.nginx = args.nginx
        self.cluster: Cluster | None = None

    def start(self) -> None:
        self.var_dir = Path(tempfile.mkdtemp(prefix=f"fascia-bench-cluster-{self.database}-"))
        # nginx's workers (`nobody` when started as root) read the static files in here.
        self.var_dir.chmod(0o755)
        self.port = free_port()
        if self.redis_url:
            self.extra_env["REDIS_URL"] = self.redis_url
            flush_redis(self.redis_url)
        self.env = self._environment()
        if self.database == "postgres":
            self._create_database()
        say(f"[{self.database}] preparing a fresh app in {self.var_dir}")
        self.manage("migrate", "--no-input")
        self.manage("setup")
        self._collect_static()
        self.cluster = Cluster(
            self.env,
            var_dir=self.var_dir,
            listen=f"{self.host}:{self.port}",
            app_ports=(free_port(), free_port()),
            workers=self.workers,
            nginx=self.nginx,
            say=say,
        )
        self.cluster.start()
        # manage.py (the changes of (c), the counts) runs as the app servers do: it purges.
        self.env = self.cluster.env
        say(f"[{self.database}] serving through the proxy on {self.url} ({self.describe_server()})")

    def stop(self, *_process_and_signal: object) -> None:
        """Stop the whole cluster, the proxy first (App.stop stops one Procfile process)."""
        if self.cluster is not None:
            self.cluster.stop()

    def close(self) -> None:
        try:
            super().close()
        finally:
            if self.redis_url and not self.keep:
                flush_redis(self.redis_url)

    def describe_server(self) -> str:
        return f"2 app servers of {super().describe_server()}, nginx in front"

    def effective_workers(self) -> int:
        return int(self.cluster.app_servers[0].env["WEB_CONCURRENCY"]) if self.cluster else 0

    def server_log(self) -> ServerLog:
        return ServerLog.read(*(server.log for server in self.cluster.app_servers))


def flush_redis(url: str) -> None:
    """Empty the benchmark's Redis database (`--redis-url`), before and after a run."""
    import redis

    redis.Redis.from_url(url).flushdb()


# (a) The page through the proxy against the same bytes as a file.


def proxy_against_file(app: ClusterApp, args: argparse.Namespace, figures: Figures) -> None:
    database = app.database
    path = page_paths(app, ["treatment"])["treatment"]
    http_get(app.port, path)
    status, headers, body = http_get(app.port, path)
    if status != 200 or headers.get("X-Cache-Status") != "HIT":
        raise RuntimeError(
            f"GET {path} through the proxy: {status}, {headers.get('X-Cache-Status')}"
        )
    wrk_args = SimpleNamespace(
        wrk=args.wrk,
        threads=args.wrk_threads,
        connections=args.wrk_connections,
        seconds=args.seconds,
        warmup=args.warmup,
    )
    say(f"[{database}] (a) {path} through the proxy, from its cache")
    proxy = measure(app.url + path, wrk_args)
    with Nginx(args.nginx) as nginx:
        url = nginx.publish(path, body)
        nginx.start(path)
        say(f"[{database}] (a) the same {len(body)} bytes as a file, from nginx")
        ceiling = measure(url, wrk_args)
    ratio = proxy.rate / ceiling.rate
    add = figures.add
    add(database, "page_bytes", len(body))
    add_wrk(figures, database, "proxy", proxy)
    add_wrk(figures, database, "file", ceiling)
    add(database, "proxy_to_file_ratio", ratio, digits=3)
    add(database, "proxy_to_file_target_met", ratio >= TARGET_RATIO)


def add_wrk(figures: Figures, database: str, name: str, run: WrkRun) -> None:
    figures.add(database, f"{name}_requests_per_second", run.rate)
    figures.add(database, f"{name}_latency_p50_ms", run.p50_ms, digits=2)
    figures.add(database, f"{name}_latency_p99_ms", run.p99_ms, digits=2)
    figures.add(database, f"{name}_errors", run.errors)


# (b) Enquiries through the proxy while an app server is killed and started again.


@dataclass
class Reads:
    """What a reader got: each answer's status (0: no answer) and when."""

    name: str
    results: list[tuple[float, int]] = field(default_factory=list)

    def failures(self, start: float = 0.0, end: float = float("inf")) -> int:
        return sum(1 for at, status in self.results if start <= at <= end and status != 200)

    def count(self, start: float = 0.0, end: float = float("inf")) -> int:
        return sum(1 for at, _ in self.results if start <= at <= end)


class Reader(threading.Thread):
    """Reads pages over and over until told to stop."""

    def __init__(self, stopping: threading.Event) -> None:
        super().__init__(daemon=True)
        self.stopping = stopping

    def run(self) -> None:
        while not self.stopping.wait(READ_PAUSE_SECONDS):
            self.read_once()

    def read_once(self) -> None:
        raise NotImplementedError


class PublicReader(Reader):
    """A public page as visitors get it (`cached`: from the proxy's cache) or as an app
    server renders it (`rendered`: with a session cookie the app does not know, which the
    proxy never answers from its cache)."""

    def __init__(
        self, app: ClusterApp, path: str, stopping: threading.Event, *, rendered: bool
    ) -> None:
        super().__init__(stopping)
        self.path = path
        self.headers = {"Cookie": "sessionid=none"} if rendered else {}
        self.client = Client(app.host, app.port)
        self.reads = Reads("public_rendered" if rendered else "public_cached")

    def read_once(self) -> None:
        try:
            status = self.client.request("GET", self.path, headers=self.headers).status
        except CONNECTION_ERRORS:
            status = 0
        self.reads.results.append((time.perf_counter(), status))


class InboxReader(Reader):
    """A front-desk colleague reading the enquiry inbox, signed in through the proxy."""

    def __init__(self, app: ClusterApp, stopping: threading.Event) -> None:
        super().__init__(stopping)
        self.browser = Browser(app)
        self.browser.sign_in("/app/login/", *STAFF)
        self.reads = Reads("inbox")

    def read_once(self) -> None:
        try:
            visit = self.browser.get("/app/enquiries/")
            # Sent to the sign-in page instead: the session was lost, counted as 401.
            status = visit.status if visit.path.startswith("/app/enquiries/") else 401
        except (urllib.error.URLError, *CONNECTION_ERRORS):
            status = 0
        self.reads.results.append((time.perf_counter(), status))


class ServerKiller(threading.Thread):
    """Kills app server 1 once `threshold` enquiries are acknowledged, keeps it down for
    `down_seconds`, starts it again and waits until it answers /healthz."""

    def __init__(
        self, app: ClusterApp, progress: Progress, threshold: int, down_seconds: float
    ) -> None:
        super().__init__(daemon=True)
        self.app = app
        self.progress = progress
        self.threshold = threshold
        self.down_seconds = down_seconds
        self.kills: list[Kill] = []
        self.restart_log_offset = 0
        self.error: Exception | None = None

    def run(self) -> None:
        try:
            if self.progress.wait_for(self.threshold):
                self.kill_and_restart()
        except Exception as error:
            self.error = error
            self.progress.abandon()

    def kill_and_restart(self) -> None:
        cluster = self.app.cluster
        database = self.app.database
        kill = Kill(self.progress.confirmed, time.perf_counter(), time.time())
        cluster.kill_app_server(0)
        self.kills.append(kill)
        say(f"[{database}] (b) SIGKILL to app server 1 after {kill.confirmed} acknowledgements")
        time.sleep(self.down_seconds)
        self.restart_log_offset = cluster.app_servers[0].log.stat().st_size
        cluster.start_app_server(0)
        kill.healthy_at = time.perf_counter()
        say(f"[{database}] (b) app server 1 is back {kill.downtime_ms():.0f} ms after the kill")


class Enquirer:
    """Sends one enquiry as a browser does: the form first, then the post, again until
    acknowledged."""

    def __init__(self, app: ClusterApp, progress: Progress, seed: int) -> None:
        self.first_number = random.Random(seed).randrange(10**8)
        self.clinics = clinic_choices(app.get(FORM_PATH)[1].decode(errors="replace"))
        self.post = send_until_confirmed(post_form(app.url), progress)
        self.progress = progress
        self.form_failures = 0
        self.lock = threading.Lock()

    def send(self, client: Client, index: int) -> Sent:
        number = self.first_number + index
        fields = enquiry_fields(number, "", self.clinics, random.Random(number))
        token = self.form_token(client)
        if token is None:
            return Sent(fields["name"], [])
        fields["form_token"] = token
        return Sent(
            fields["name"], self.post(client, Post(index, False, urlencode(fields).encode()))
        )

    def form_token(self, client: Client) -> str | None:
        give_up_at = time.perf_counter() + GIVE_UP_SECONDS
        while time.perf_counter() < give_up_at and not self.progress.abandoned:
            try:
                reply = client.request("GET", FORM_PATH)
            except CONNECTION_ERRORS:
                reply = None
            html = reply.body.decode(errors="replace") if reply and reply.status == 200 else ""
            tag = TOKEN_INPUT.search(html)
            if tag and (value := VALUE.search(tag.group(0))):
                return value.group(1)
            with self.lock:
                self.form_failures += 1
            time.sleep(RESEND_SECONDS)
        return None


class ClusterOutcome(Outcome):
    """crash.py's accounting, where a post cut off by the kill is answered 502 by the proxy
    (which never resends a POST that reached a server) rather than left unanswered."""

    def unexpected(self) -> list[Any]:
        return [a for a in self.attempts() if a.status not in (0, 502) and not a.reference]


def enquiries_through_a_kill(
    app: ClusterApp, args: argparse.Namespace, figures: Figures
) -> list[str]:
    database = app.database
    app.create_user(*STAFF, role="front_desk")
    path = page_paths(app, ["treatment"])["treatment"]
    progress = Progress()
    enquirer = Enquirer(app, progress, args.seed)
    killer = ServerKiller(app, progress, args.kill_after, args.down_seconds)
    stopping = threading.Event()
    readers = [
        PublicReader(app, path, stopping, rendered=False),
        PublicReader(app, path, stopping, rendered=True),
        InboxReader(app, stopping),
    ]
    numbers = itertools.count()
    sent: list[Sent] = []
    clients: list[Client] = []
    lock = threading.Lock()
    deadline = time.perf_counter() + args.max_seconds

    def posting_over() -> bool:
        restarted = killer.kills and killer.kills[0].healthy_at
        return (
            progress.abandoned
            or time.perf_counter() > deadline
            or bool(restarted and time.perf_counter() > restarted + args.after_restart)
        )

    def client_loop() -> None:
        client = Client(app.host, app.port)
        with lock:
            clients.append(client)
        while not posting_over():
            with lock:
                index = next(numbers)
            result = enquirer.send(client, index)
            with lock:
                sent.append(result)
        client.close()

    say(f"[{database}] (b) enquiries from {args.clients} clients through the proxy")
    for reader in readers:
        reader.start()
    killer.start()
    started = time.perf_counter()
    threads = [threading.Thread(target=client_loop, daemon=True) for _ in range(args.clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - started
    progress.finish()
    stopping.set()
    killer.join()
    for reader in readers:
        reader.join()
    if killer.error:
        raise killer.error

    say(f"[{database}] (b) counting the stored enquiries")
    stored = app.query(STORED_CODE)
    log = app.server_log()
    outcome = ClusterOutcome.of(sent, killer.kills, stored)
    run = Phase(sent, seconds, sum(client.retries for client in clients))
    outcome.add_figures(database, app, args, run, log, figures)
    public, rendered, inbox = (reader.reads for reader in readers)
    kill = killer.kills[0] if killer.kills else None
    down = (kill.at, kill.healthy_at) if kill else (0.0, 0.0)
    server_one_after = served_requests(app.cluster.app_servers[0].log, killer.restart_log_offset)
    add = figures.add
    add(database, "answered_502", sum(a.status == 502 for a in outcome.attempts()))
    add(database, "form_fetch_retries", enquirer.form_failures)
    for reads in (public, rendered, inbox):
        add(database, f"{reads.name}_reads", reads.count())
        add(database, f"{reads.name}_reads_while_down", reads.count(*down))
        add(database, f"{reads.name}_failures", reads.failures())
    add(database, "server1_requests_after_restart", server_one_after if kill else 0)

    problems = outcome.problems(1)
    for reads in (public, rendered, inbox):
        if failures := reads.failures():
            statuses = Counter(status for _, status in reads.results if status != 200)
            problems.append(f"{reads.name}: {failures} reads failed {dict(statuses)}")
        if kill and not reads.count(*down):
            problems.append(f"{reads.name}: nothing was read while app server 1 was down")
    if kill and not server_one_after:
        problems.append("app server 1 served nothing through the proxy after its restart")
    return problems


def served_requests(log: Path, offset: int) -> int:
    """Requests in a gunicorn access log after `offset` (the health check's left out)."""
    with log.open("rb") as lines:
        lines.seek(offset)
        text = lines.read().decode(errors="replace")
    return sum(1 for line in text.splitlines() if REQUEST_LINE.search(line))


# (c) A change made on the app servers' side, read through the proxy at once.


def changes_seen_through_the_proxy(app: ClusterApp, figures: Figures) -> list[str]:
    database = app.database
    paths = page_paths(app, ["treatment", "home"])
    summary = f"Published by the cluster benchmark at {time.time():.0f}."
    problems = []
    for name, code, path, text in (
        ("publish", PUBLISH_CODE.format(summary=summary), paths["treatment"], summary),
        ("clinic_phone", CLINIC_CODE.format(phone=NEW_PHONE), paths["home"], NEW_PHONE_SHOWN),
    ):
        http_get(app.port, path)
        before = http_get(app.port, path)[1].get("X-Cache-Status")
        started = time.perf_counter()
        with change_made(app, code) as changed_at:
            change_seconds = time.perf_counter() - started
            reading = time.perf_counter()
            status, headers, body = http_get(app.port, path)
            read_ms = (time.perf_counter() - reading) * 1000
            read_at = time.time()
        seen = status == 200 and text.encode() in body
        say(f"[{database}] (c) {name}: seen on {path} at the next request: {seen}")
        figures.add(database, f"{name}_cache_before", before)
        figures.add(database, f"{name}_change_seconds", change_seconds, digits=2)
        figures.add(database, f"{name}_seen_on_next_request", seen)
        figures.add(database, f"{name}_cache_after", headers.get("X-Cache-Status"))
        figures.add(database, f"{name}_next_request_ms", read_ms)
        # From the moment the change (commit and purge) returned to the answer's arrival.
        figures.add(database, f"{name}_change_to_seen_ms", (read_at - changed_at) * 1000)
        if not seen:
            problems.append(f"{name}: {path} through the proxy did not show the change")
    return problems


@contextlib.contextmanager
def change_made(app: ClusterApp, code: str) -> Iterator[float]:
    """Run `code` in `manage.py shell` as app.query does, but go on as soon as it prints
    the time the change returned (its commit and purge done), not once Python has exited."""
    command = [PYTHON, "manage.py", "shell", "--no-imports", "-c", code]
    with subprocess.Popen(
        command, cwd=ROOT, env=app.env, stdout=subprocess.PIPE, text=True
    ) as shell:
        line = shell.stdout.readline()
        if not line:
            raise RuntimeError(f"manage.py shell printed nothing for:\n{code}")
        yield float(line)
    if shell.returncode:
        raise RuntimeError(f"manage.py shell exited with {shell.returncode} for:\n{code}")


# (d) Appointment reminders through a killed task worker.

BOOK_CODE = """\
import datetime as dt, json
from zoneinfo import ZoneInfo
from django.db import transaction
from fascia.accounts.models import User
from fascia.clinics.models import Clinic, Membership, Role
from fascia.records.data_rights import contact_consent_give
from fascia.records.models import Patient
from fascia.scheduling.booking import book
from fascia.scheduling.models import AppointmentType, WorkingHours
count, per_day = {count}, 16
clinic = Clinic.objects.filter(active=True).order_by("pk").first()
admin = User.objects.get(username="admin")
kind = AppointmentType.objects.get(name="Initial assessment")
zone = ZoneInfo(clinic.time_zone)
tomorrow = dt.datetime.now(zone).date() + dt.timedelta(days=1)
booked = 0
for number in range((count + per_day - 1) // per_day):
    physio = User.objects.create_user(f"bench-physio-{{number}}", password=None)
    Membership.objects.create(user=physio, clinic=clinic, role=Role.PHYSIOTHERAPIST)
    WorkingHours.objects.create(
        practitioner=physio, clinic=clinic, weekday=tomorrow.weekday(),
        starts=dt.time(8, 0), ends=dt.time(22, 0),
    )
    for slot in range(min(per_day, count - booked)):
        with transaction.atomic():
            patient = Patient.objects.create(
                clinic=clinic, full_name=f"Bench Patient {{booked}}",
                mobile=f"+9198{{booked:08d}}", created_by=admin,
            )
            contact_consent_give(patient, notice_version="patients/1", by=admin, ip=None)
            starts = dt.datetime.combine(tomorrow, dt.time(8, 0), zone) + dt.timedelta(
                minutes=kind.minutes * slot
            )
            book(clinic=clinic, appointment_type=kind, practitioner=physio, starts_at=starts,
                 patient=patient, by=admin, ip=None)
        booked += 1
print(json.dumps(booked))
"""
REMINDERS_CODE = """\
import json
from django.db.models import Count
from fascia.messaging.models import Message
reminders = Message.objects.filter(template="appointment_reminder")
rows = reminders.values("status").annotate(n=Count("pk"))
print(json.dumps({row["status"]: row["n"] for row in rows}))
"""


def reminders_through_a_worker_kill(
    app: ClusterApp, gateway: FakeGateway, args: argparse.Namespace, figures: Figures
) -> list[str]:
    database, count = app.database, args.reminders
    worker = next(process for process in app.cluster.others if process.name == "worker")
    gateway.latency = args.gateway_latency
    started = time.perf_counter()
    booked = int(str(app.query(BOOK_CODE.format(count=count))))
    say(f"[{database}] (d) {booked} appointments booked, their reminders due now")
    while len(gateway.deliveries) < args.worker_kill_after:
        if time.perf_counter() - started > args.max_seconds:
            return [f"(d) only {len(gateway.deliveries)} reminders reached the gateway"]
        time.sleep(0.005)
    worker.kill()
    killed_at = time.perf_counter()
    delivered_at_kill = len(gateway.deliveries)
    say(f"[{database}] (d) SIGKILL to the task worker after {delivered_at_kill} deliveries")
    time.sleep(args.down_seconds)
    worker.start()
    # The killed worker's hold on the message it was sending passes; then the round the
    # housekeeping process runs every minute puts that message back in the queue.
    time.sleep(max(0.0, float(CLUSTER_ENV["FASCIA_MESSAGE_LEASE_SECONDS"]) - args.down_seconds))
    app.manage("housekeeping", "--once")
    statuses: dict[str, int] = {}
    while time.perf_counter() - started < args.max_seconds:
        statuses = dict(app.query(REMINDERS_CODE))  # type: ignore[arg-type]
        if statuses.get("sent", 0) + statuses.get("failed", 0) >= booked:
            break
        time.sleep(0.5)
    all_sent_seconds = time.perf_counter() - killed_at
    keys = Counter(delivery["key"] for delivery in gateway.deliveries)
    repeats = sum(
        1 for request in gateway.requests if request.headers.get("Idempotency-Key")
    ) - len(gateway.deliveries)
    add = functools.partial(figures.add, database)
    add("reminders_booked", booked)
    add("reminders_delivered_before_kill", delivered_at_kill)
    add("reminders_sent", statuses.get("sent", 0))
    add("reminders_not_sent_or_failed", booked - statuses.get("sent", 0))
    add("reminders_delivered_at_gateway", len(gateway.deliveries))
    add("reminders_delivered_twice", sum(1 for n in keys.values() if n > 1))
    add("reminders_resent_with_same_key", repeats)
    add("reminders_kill_to_all_sent_s", all_sent_seconds, digits=1)
    problems = []
    if statuses.get("sent", 0) != booked:
        problems.append(f"(d) {booked - statuses.get('sent', 0)} reminders not recorded as sent")
    if len(keys) != booked or any(n > 1 for n in keys.values()):
        problems.append(
            f"(d) the gateway delivered {len(gateway.deliveries)} messages under "
            f"{len(keys)} keys for {booked} reminders"
        )
    return problems


def bench_database(database: str, args: argparse.Namespace, figures: Figures) -> list[str]:
    gateway = FakeGateway().start()
    with ClusterApp(database, args, gateway) as app:
        proxy_against_file(app, args, figures)
        problems = enquiries_through_a_kill(app, args, figures)
        problems += changes_seen_through_the_proxy(app, figures)
        problems += reminders_through_a_worker_kill(app, gateway, args, figures)
        app.stop()
        log = app.server_log()
    gateway.stop()
    figures.add(database, "server_log_errors_total", len(log.errors))
    for line in log.errors[:10]:
        say(f"[{database}] server log: {line}")
    figures.add(database, VERDICT, not problems)
    return problems


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_app_arguments(parser)
    parser.add_argument(
        "--redis-url",
        default=REDIS_URL,
        help=f"a Redis database for the PostgreSQL run, emptied before and after ({REDIS_URL})",
    )
    parser.add_argument("--seconds", type=float, default=10, help="(a): the measured wrk run")
    parser.add_argument("--warmup", type=float, default=2, help="(a): wrk run before it")
    parser.add_argument("--wrk-threads", type=int, default=2, help="(a): wrk threads")
    parser.add_argument("--wrk-connections", type=int, default=32, help="(a): wrk connections")
    parser.add_argument("--clients", type=int, default=16, help="(b): concurrent clients (16)")
    parser.add_argument(
        "--kill-after", type=int, default=150, help="(b): acknowledgements before the kill"
    )
    parser.add_argument(
        "--down-seconds", type=float, default=5, help="(b): how long server 1 stays down"
    )
    parser.add_argument(
        "--after-restart", type=float, default=10, help="(b): posting after server 1 is back"
    )
    parser.add_argument(
        "--max-seconds", type=float, default=240, help="(b): the posting ends by then at most"
    )
    parser.add_argument(
        "--reminders", type=int, default=120, help="(d): appointments booked, one reminder each"
    )
    parser.add_argument(
        "--worker-kill-after",
        type=int,
        default=40,
        help="(d): reminders delivered before the task worker is killed",
    )
    parser.add_argument(
        "--gateway-latency",
        type=float,
        default=0.05,
        help="(d): seconds the fake gateway takes to answer a delivery",
    )
    parser.add_argument("--wrk", default=shutil.which("wrk") or "wrk")
    parser.add_argument("--nginx", default=NGINX)
    args = parser.parse_args(argv)
    for tool in (args.wrk, args.nginx):
        if shutil.which(tool) is None:
            parser.error(f"{tool} not found: run 'make bench-tools' (Debian packages wrk, nginx)")
    return args


def main(argv: list[str] | None = None) -> int:
    return run_on_databases(parse_args(argv), bench_database, VERDICT, "the cluster held")


if __name__ == "__main__":
    sys.exit(main())
