"""Post enquiries concurrently to a fresh gunicorn-served Fascia; prove none is lost or doubled.

For each database (SQLite, PostgreSQL) a fresh app is started (see harness.py), then:

1. `--clients` threads fetch one enquiry form (GET /enquire/) per distinct enquiry: the
   throughput of this phase is the baseline the posts are compared with;
2. the benchmark waits until every form is older than FASCIA_ENQUIRY_MIN_SECONDS, as a
   person filling the form in would, so that no enquiry is kept as "sent too fast";
3. the same threads post `--requests` enquiries, each with its own phone number; every
   `--duplicate-every`th post sends an earlier form again with the same data (a double
   click), which must give the same reference and store nothing new;
4. after the run the stored enquiries are read from the database: there must be exactly
   one per confirmation (distinct reference received), no more, no fewer.

Figures are printed last, one a line (`sqlite throughput_rps 123.4`), then the verdict
`stored == confirmations: yes/no`. Exits with 1 if an enquiry was lost or doubled or a
response was not the expected one. Wall-clock figures are reported, never asserted.
"""

from __future__ import annotations

import argparse
import gzip
import http.client
import random
import re
import sys
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from harness import (
    App,
    Figures,
    ServerLog,
    add_app_arguments,
    percentile,
    run_on_databases,
    say,
)

# Every client of the benchmark comes from 127.0.0.1, which the app would otherwise allow
# 30 accepted enquiries per 10 minutes (FASCIA_ENQUIRY_IP_LIMIT) and then answer 429.
APP_ENV = {"FASCIA_ENQUIRY_IP_LIMIT": str(10**9)}
FORM_PATH = "/enquire/"
RECEIVED = re.compile(r"/enquire/received/([A-Z0-9]{6})/(?:\?|$)")
TOKEN_INPUT = re.compile(r'<input[^>]*\bname="form_token"[^>]*>')
CLINIC_INPUT = re.compile(r'<input[^>]*\bname="clinic"[^>]*>')
VALUE = re.compile(r'\bvalue="([^"]*)"')
PREFERRED_TIMES = ("morning", "afternoon", "evening")
PHONE_FORMATS = ("{}", "+91 {}", "0{}", "{} ")
# Later posts re-send one of this many latest forms, so a duplicate often races its original.
DUPLICATE_WINDOW = 5
# Added to FASCIA_ENQUIRY_MIN_SECONDS before posting, for rounding and clock granularity.
MIN_SECONDS_MARGIN = 0.5
CONNECTION_ERRORS = (http.client.HTTPException, ConnectionError, TimeoutError)
# What every browser sends, and which changes what the server does (compression).
BROWSER = {"Accept-Encoding": "gzip", "User-Agent": "fascia-bench"}
STALE_CONNECTION = (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError)

MIN_SECONDS_CODE = (
    "import json; from django.conf import settings; "
    "print(json.dumps(settings.FASCIA_ENQUIRY_MIN_SECONDS))"
)
STORED_CODE = (
    "import json; from django.apps import apps; "
    "Enquiry = apps.get_model('enquiries', 'Enquiry'); "
    "Task = apps.get_model('django_tasks_database', 'DBTaskResult'); "
    "rows = list(Enquiry.objects.values_list('reference', 'name', 'created_at')); "
    "print(json.dumps({"
    "'references': [row[0] for row in rows], "
    "'names': [row[1] for row in rows], "
    "'created': [row[2].timestamp() for row in rows], "
    "'spam': Enquiry.objects.filter(status='spam').count(), "
    "'tasks': Task.objects.count()}))"
)


@dataclass
class Reply:
    status: int
    location: str
    body: bytes  # decompressed


class Client:
    """One keep-alive HTTP connection, as one browser would use it.

    A request that fails on a connection the server may have closed while it was idle is
    sent again once on a new connection, as browsers do; such retries are counted.
    """

    def __init__(self, host: str, port: int) -> None:
        self.host = host
        self.port = port
        self.connection: http.client.HTTPConnection | None = None
        self.sent = 0
        self.retries = 0

    def request(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> Reply:
        reused = self.connection is not None and self.sent > 0
        try:
            return self._send(method, path, body, headers or {})
        except STALE_CONNECTION:
            if not reused:
                raise
        self.retries += 1
        return self._send(method, path, body, headers or {})

    def _send(self, method: str, path: str, body: bytes | None, headers: dict[str, str]) -> Reply:
        if self.connection is None:
            self.connection = http.client.HTTPConnection(self.host, self.port, timeout=60)
            self.sent = 0
        try:
            self.connection.request(method, path, body=body, headers={**BROWSER, **headers})
            response = self.connection.getresponse()
            body = response.read()
            if response.getheader("Content-Encoding", "") == "gzip":
                body = gzip.decompress(body)
            reply = Reply(response.status, response.getheader("Location", ""), body)
        except BaseException:
            self.close()
            raise
        self.sent += 1
        if response.will_close:
            self.close()
        return reply

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None


@dataclass
class Phase:
    results: list[Any]
    seconds: float
    retries: int

    def rate(self) -> float:
        return len(self.results) / self.seconds if self.seconds else 0.0


def run_concurrently(
    app: App, jobs: Sequence[Any], clients: int, work: Callable[[Client, Any], Any]
) -> Phase:
    """Run `work(client, job)` for every job, in order, from `clients` threads."""
    results: list[Any] = [None] * len(jobs)
    position = iter(range(len(jobs)))
    lock = threading.Lock()
    retries = [0]

    def client_loop() -> None:
        client = Client(app.host, app.port)
        try:
            while True:
                with lock:
                    index = next(position, None)
                if index is None:
                    return
                results[index] = work(client, jobs[index])
        finally:
            client.close()
            with lock:
                retries[0] += client.retries

    threads = [threading.Thread(target=client_loop, daemon=True) for _ in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return Phase(results, time.perf_counter() - started, retries[0])


@dataclass
class Fetched:
    status: int
    token: str
    ms: float
    finished_at: float
    error: str = ""


@dataclass
class Post:
    form: int
    duplicate: bool
    body: bytes


@dataclass
class Posted:
    status: int
    reference: str
    ms: float
    detail: str = ""
    started: float = 0.0
    finished: float = 0.0


def fetch_form(client: Client, _job: int) -> Fetched:
    started = time.perf_counter()
    try:
        response = client.request("GET", FORM_PATH)
    except CONNECTION_ERRORS as error:
        return Fetched(0, "", elapsed_ms(started), time.time(), repr(error))
    html = response.body.decode(errors="replace")
    tag = TOKEN_INPUT.search(html)
    token = match.group(1) if tag and (match := VALUE.search(tag.group(0))) else ""
    return Fetched(response.status, token, elapsed_ms(started), time.time())


def post_form(origin: str) -> Callable[[Client, Post], Posted]:
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Origin": origin}

    def work(client: Client, post: Post) -> Posted:
        started = time.perf_counter()
        try:
            response = client.request("POST", FORM_PATH, post.body, headers)
        except CONNECTION_ERRORS as error:
            posted = Posted(0, "", elapsed_ms(started), repr(error))
        else:
            match = RECEIVED.search(response.location)
            if response.status == 303 and match:
                posted = Posted(303, match.group(1), elapsed_ms(started))
            else:
                posted = Posted(response.status, "", elapsed_ms(started), excerpt(response.body))
        posted.started, posted.finished = started, time.perf_counter()
        return posted

    return work


def elapsed_ms(started: float) -> float:
    return (time.perf_counter() - started) * 1000


def excerpt(body: bytes) -> str:
    """The visible text of a page's main part, shortened, to say why a post failed."""
    html = body.decode(errors="replace")
    main = html[html.find("<main") :] if "<main" in html else html
    text = " ".join(re.sub(r"<[^>]+>", " ", main).split())
    return text[:300]


def enquiry_fields(number: int, token: str, clinics: list[str], rng: random.Random) -> dict:
    mobile = f"9{number:09d}"
    fields = {
        "form_token": token,
        "name": f"Bench Patient {number}",
        "phone": rng.choice(PHONE_FORMATS).format(mobile),
        "clinic": rng.choice(clinics),
        "preferred_time": rng.choice(PREFERRED_TIMES),
        "message": f"Pain in the buttock and down the leg when sitting (enquiry {number}).",
        "consent": "on",
    }
    if number % 2:
        fields["email"] = f"patient{number}@example.com"
    return fields


def plan_posts(
    tokens: list[str], requests: int, duplicate_every: int, clinics: list[str], seed: int
) -> list[Post]:
    """`requests` posts: one per form, with every `duplicate_every`th re-sending a recent one."""
    rng = random.Random(seed)
    first_number = rng.randrange(10**8)
    posts: list[Post] = []
    bodies: list[bytes] = []
    for index in range(requests):
        if is_duplicate(index, duplicate_every):
            form = rng.randrange(max(0, len(bodies) - DUPLICATE_WINDOW), len(bodies))
            posts.append(Post(form, True, bodies[form]))
            continue
        form = len(bodies)
        fields = enquiry_fields(first_number + form, tokens[form], clinics, rng)
        bodies.append(urlencode(fields).encode())
        posts.append(Post(form, False, bodies[form]))
    return posts


def is_duplicate(index: int, duplicate_every: int) -> bool:
    """Whether post number `index` re-sends an earlier form (never the first post)."""
    return index > 0 and duplicate_every > 0 and (index + 1) % duplicate_every == 0


def forms_needed(requests: int, duplicate_every: int) -> int:
    return sum(1 for index in range(requests) if not is_duplicate(index, duplicate_every))


def clinic_choices(html: str) -> list[str]:
    values = [m.group(1) for tag in CLINIC_INPUT.findall(html) if (m := VALUE.search(tag))]
    return values or ["either"]


@dataclass
class Forms:
    """Blank forms fetched from the app, each old enough to be posted."""

    fetching: Phase
    tokens: list[str]
    clinics: list[str]
    problems: list[str]


def fetch_forms(app: App, count: int, clients: int) -> Forms:
    """Fetch `count` forms with `clients` threads, then wait until the newest is old enough.

    The app keeps a form sent sooner than FASCIA_ENQUIRY_MIN_SECONDS after it was rendered
    as spam; waiting is what a person filling the form in does.
    """
    min_seconds = float(str(app.query(MIN_SECONDS_CODE)))
    status, page = app.get(FORM_PATH)
    if status != 200:
        raise RuntimeError(f"GET {FORM_PATH} answered {status}")
    clinics = clinic_choices(page.decode(errors="replace"))

    say(f"[{app.database}] fetching {count} forms with {clients} clients")
    gets = run_concurrently(app, range(count), clients, fetch_form)
    fetched: list[Fetched] = gets.results
    bad_gets = [f for f in fetched if f is None or f.status != 200 or not f.token]
    if bad_gets:
        raise RuntimeError(f"{len(bad_gets)} form fetches failed, e.g. {bad_gets[0]}")
    # Every visitor who got the same copy of the page shares its token (the page is the
    # same bytes for all); each post still names its own phone number, so each is new.
    tokens = [f.token for f in fetched]
    problems: list[str] = []

    ready_at = max(f.finished_at for f in fetched) + min_seconds + MIN_SECONDS_MARGIN
    say(f"[{app.database}] waiting {max(0.0, ready_at - time.time()):.1f} s (min. form age)")
    time.sleep(max(0.0, ready_at - time.time()))
    return Forms(gets, tokens, clinics, problems)


def bench_database(database: str, args: argparse.Namespace, figures: Figures) -> list[str]:
    """Run the benchmark on one fresh app; add its figures; return what went wrong."""
    problems: list[str] = []
    with App.from_arguments(database, args, env=APP_ENV) as app:
        forms = fetch_forms(app, forms_needed(args.requests, args.duplicate_every), args.clients)
        problems += forms.problems
        gets = forms.fetching
        posts = plan_posts(
            forms.tokens, args.requests, args.duplicate_every, forms.clinics, args.seed
        )
        say(f"[{database}] posting {len(posts)} enquiries with {args.clients} clients")
        run = run_concurrently(app, posts, args.clients, post_form(app.url))
        posted: list[Posted] = [
            r or Posted(0, "", 0.0, "client thread failed") for r in run.results
        ]

        say(f"[{database}] counting the stored enquiries")
        stored = app.query(STORED_CODE)
        app.stop()
        log = app.server_log()

    return problems + report(database, app, args, gets, run, posts, posted, stored, log, figures)


def report(
    database: str,
    app: App,
    args: argparse.Namespace,
    gets: Phase,
    run: Phase,
    posts: list[Post],
    posted: list[Posted],
    stored: Any,
    log: ServerLog,
    figures: Figures,
) -> list[str]:
    problems: list[str] = []
    unexpected = [
        (post, result) for post, result in zip(posts, posted, strict=True) if not result.reference
    ]
    references_by_form: dict[int, set[str]] = defaultdict(set)
    original_reference: dict[int, str] = {}
    original: dict[int, Posted] = {}
    for post, result in zip(posts, posted, strict=True):
        if not post.duplicate:
            original[post.form] = result
        if result.reference:
            references_by_form[post.form].add(result.reference)
            if not post.duplicate:
                original_reference[post.form] = result.reference
    duplicates = [(p, r) for p, r in zip(posts, posted, strict=True) if p.duplicate]
    duplicates_same = sum(
        1 for p, r in duplicates if r.reference and r.reference == original_reference.get(p.form)
    )
    # A duplicate raced its original when the two were in flight at the same time.
    duplicates_raced = sum(
        1
        for p, r in duplicates
        if r.started < original[p.form].finished and original[p.form].started < r.finished
    )
    confirmations = {ref for refs in references_by_form.values() for ref in refs}
    forms_per_reference = Counter(ref for refs in references_by_form.values() for ref in refs)
    stored_references = list(stored["references"])
    stored_set = set(stored_references)
    lost = confirmations - stored_set
    extra = stored_set - confirmations
    equal = len(stored_references) == len(confirmations) and not lost and not extra

    if unexpected:
        statuses = Counter(result.status for _, result in unexpected)
        problems.append(f"{len(unexpected)} posts were not confirmed: {dict(statuses)}")
        for post, result in unexpected[:5]:
            problems.append(f"  form {post.form}: {result.status} {result.detail}")
    doubled = [form for form, refs in references_by_form.items() if len(refs) > 1]
    if doubled:
        problems.append(f"{len(doubled)} forms got more than one reference (doubled)")
    merged = [ref for ref, n in forms_per_reference.items() if n > 1]
    if merged:
        problems.append(f"{len(merged)} references were given to different enquiries")
    if duplicates_same != len(duplicates):
        problems.append(
            f"{len(duplicates) - duplicates_same} of {len(duplicates)} duplicate posts did "
            "not get their original's reference"
        )
    if lost:
        problems.append(
            f"{len(lost)} confirmed enquiries are not stored (lost): {sorted(lost)[:5]}"
        )
    if extra:
        problems.append(f"{len(extra)} stored enquiries were never confirmed: {sorted(extra)[:5]}")
    if len(stored_references) != len(stored_set):
        problems.append("the same reference is stored twice")
    if stored["spam"]:
        problems.append(f"{stored['spam']} enquiries were stored as spam")

    post_ms = [r.ms for r in posted]
    get_ms = [f.ms for f in gets.results]
    add = figures.add
    add(database, "clients", args.clients)
    add(database, "gunicorn_workers", app.effective_workers())
    add(database, "gunicorn_threads", app.effective_threads())
    add(database, "baseline_get_form_requests", len(gets.results))
    add(database, "baseline_get_form_rps", gets.rate())
    add(database, "baseline_get_form_p50_ms", percentile(get_ms, 50))
    add(database, "baseline_get_form_p99_ms", percentile(get_ms, 99))
    add(database, "requests", len(posts))
    add(database, "duplicates_posted", len(duplicates))
    add(database, "duplicates_raced_original", duplicates_raced)
    add(database, "duplicates_same_reference", duplicates_same)
    add(database, "unexpected_responses", len(unexpected))
    add(database, "connection_retries", gets.retries + run.retries)
    add(database, "confirmations", len(confirmations))
    add(database, "throughput_rps", run.rate())
    add(database, "latency_p50_ms", percentile(post_ms, 50))
    add(database, "latency_p90_ms", percentile(post_ms, 90))
    add(database, "latency_p99_ms", percentile(post_ms, 99))
    add(database, "latency_max_ms", max(post_ms, default=0.0))
    add(database, "post_to_get_throughput_ratio", run.rate() / gets.rate(), digits=3)
    add(database, "stored", len(stored_references))
    add(database, "stored_spam", stored["spam"])
    add(database, "notifications_queued", stored["tasks"])
    add(database, "lost", len(lost))
    add(database, "doubled", len(extra) + len(doubled))
    add(database, "server_5xx", log.server_errors)
    add(database, "server_log_errors", len(log.errors))
    add(database, "stored_equals_confirmations", equal)
    for line in log.errors[:10]:
        say(f"[{database}] server log: {line}")
    if not equal:
        problems.append(f"stored {len(stored_references)} != confirmations {len(confirmations)}")
    return problems


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_app_arguments(parser)
    parser.add_argument("--clients", type=int, default=16, help="concurrent clients (16)")
    parser.add_argument("--requests", type=int, default=1000, help="posts in all (1000)")
    parser.add_argument(
        "--duplicate-every",
        type=int,
        default=10,
        metavar="N",
        help="every Nth post re-sends a recent form with the same data (10; 0: none)",
    )
    args = parser.parse_args(argv)
    for name in ("clients", "requests"):
        if getattr(args, name) < 1:
            parser.error(f"--{name} must be at least 1")
    return args


def main(argv: list[str] | None = None) -> int:
    return run_on_databases(
        parse_args(argv), bench_database, "stored_equals_confirmations", "stored == confirmations"
    )


if __name__ == "__main__":
    sys.exit(main())
