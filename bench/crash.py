"""Kill a gunicorn-served Fascia with SIGKILL while enquiries are posted; prove none is lost.

For each database (SQLite, PostgreSQL) a fresh app is started (see harness.py), then:

1. `--clients` threads fetch one enquiry form (GET /enquire/) per enquiry to send
   (`--requests`) and wait until every form is older than FASCIA_ENQUIRY_MIN_SECONDS, as
   enquiries.py does;
2. the same threads post the enquiries, each one form at a time on a keep-alive connection;
3. once `--kill-after` of the enquiries are confirmed, the web server's process group
   (gunicorn's master and its workers) is killed with SIGKILL while posts are in flight, and
   started again at once with the same command, port, database and var directory; with
   `--kills N` this happens N times, spread over the rest of the run;
4. a client whose post got no answer (connection refused, reset or closed) does what a
   person whose page did not answer does: after a short pause it sends the same form again,
   same token, same data, until it is confirmed (303 to /enquire/received/<REF>/);
5. after the run the stored enquiries are read from the database and matched to the forms
   by name: every acknowledged enquiry must be stored under the reference its client got,
   and no form stored twice.

Run it from the repository: `.venv/bin/python bench/crash.py --database sqlite`.
Figures are printed last, one a line (`sqlite lost 0`), then the verdict
`every acknowledged enquiry stored once: yes/no`. Exits with 1 if an acknowledged enquiry is
missing, a form was stored twice or given two references, an answer was neither a
confirmation nor a dropped connection, a form was never confirmed, or no post was in
flight at a kill.
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

from enquiries import (
    APP_ENV,
    STORED_CODE,
    Client,
    Phase,
    Post,
    Posted,
    fetch_forms,
    plan_posts,
    post_form,
    run_concurrently,
)
from harness import (
    STARTUP_SECONDS,
    App,
    Figures,
    ServerLog,
    add_app_arguments,
    run_on_databases,
    say,
)

# How long a client waits before sending a form again after it got no answer.
RESEND_SECONDS = 0.5
# A form still unconfirmed this long after it was first sent is given up.
GIVE_UP_SECONDS = STARTUP_SECONDS + 30
VERDICT = "acknowledged_stored_once"


class Progress:
    """How many forms are confirmed so far, shared by the clients and the killer."""

    def __init__(self) -> None:
        self.condition = threading.Condition()
        self.confirmed = 0
        self.finished = False
        self.abandoned = False

    def confirm(self) -> None:
        with self.condition:
            self.confirmed += 1
            self.condition.notify_all()

    def wait_for(self, confirmed: int) -> bool:
        """Wait until `confirmed` forms are confirmed; False if the posting ended first."""
        with self.condition:
            self.condition.wait_for(lambda: self.confirmed >= confirmed or self.finished)
            return not self.finished

    def finish(self) -> None:
        with self.condition:
            self.finished = True
            self.condition.notify_all()

    def abandon(self) -> None:
        """Tell the clients to stop sending forms again: the server will not come back."""
        self.abandoned = True


@dataclass
class Kill:
    confirmed: int  # forms confirmed when the server was killed
    at: float  # time.perf_counter() when SIGKILL was sent
    wall_at: float  # time.time() at the same moment, to compare with stored rows
    healthy_at: float = 0.0

    def downtime_ms(self) -> float:
        return (self.healthy_at - self.at) * 1000 if self.healthy_at else 0.0


class Killer(threading.Thread):
    """Kills the web server once each threshold of confirmed forms is reached, restarts it."""

    def __init__(self, app: App, progress: Progress, thresholds: list[int]) -> None:
        super().__init__(daemon=True)
        self.app = app
        self.progress = progress
        self.thresholds = thresholds
        self.kills: list[Kill] = []
        self.error: Exception | None = None

    def run(self) -> None:
        try:
            for threshold in self.thresholds:
                if not self.progress.wait_for(threshold):
                    return
                self.kill_and_restart()
        except Exception as error:
            self.error = error
            self.progress.abandon()

    def kill_and_restart(self) -> None:
        database = self.app.database
        kill = Kill(self.progress.confirmed, time.perf_counter(), time.time())
        self.app.kill("web")
        self.kills.append(kill)
        say(f"[{database}] SIGKILL to the web server after {kill.confirmed} confirmations")
        self.app.launch("web")
        self.app.wait_until_healthy()
        kill.healthy_at = time.perf_counter()
        say(f"[{database}] healthy again {kill.downtime_ms():.0f} ms after the kill")


def kill_thresholds(requests: int, kills: int, kill_after: float) -> list[int]:
    """Confirmed forms at which to kill: the first at `kill_after`, the rest spread after it."""
    step = (1 - kill_after) / kills
    return [max(1, round(requests * (kill_after + k * step))) for k in range(kills)]


def send_until_confirmed(
    post_once: Callable[[Client, Post], Posted], progress: Progress
) -> Callable[[Client, Post], list[Posted]]:
    """Post a form, and post it again after no answer or a server error, until confirmed.

    A 4xx answer will not change by sending the same form again, so it ends the attempts;
    so does GIVE_UP_SECONDS, or the killer failing to bring the server back.
    """

    def work(client: Client, post: Post) -> list[Posted]:
        attempts: list[Posted] = []
        give_up_at = time.perf_counter() + GIVE_UP_SECONDS
        while True:
            posted = post_once(client, post)
            attempts.append(posted)
            if posted.reference:
                progress.confirm()
                return attempts
            worth_resending = posted.status == 0 or posted.status >= 500
            if not worth_resending or progress.abandoned or time.perf_counter() > give_up_at:
                return attempts
            time.sleep(RESEND_SECONDS)

    return work


@dataclass
class Sent:
    """One form and every attempt to post it."""

    name: str
    attempts: list[Posted]

    @classmethod
    def of(cls, post: Post, attempts: list[Posted] | None) -> Sent:
        return cls(parse_qs(post.body.decode())["name"][0], attempts or [])

    def references(self) -> set[str]:
        return {attempt.reference for attempt in self.attempts if attempt.reference}

    def in_flight_at(self, moment: float) -> bool:
        return any(a.started < moment < a.finished for a in self.attempts)

    def cut_off_at(self, moment: float) -> bool:
        """Whether a post was in flight at `moment` and then got no answer."""
        return any(a.started < moment < a.finished and not a.status for a in self.attempts)


def bench_database(database: str, args: argparse.Namespace, figures: Figures) -> list[str]:
    """Run the benchmark on one fresh app; add its figures; return what went wrong."""
    with App.from_arguments(database, args, env=APP_ENV) as app:
        forms = fetch_forms(app, args.requests, args.clients)
        posts = plan_posts(forms.tokens, args.requests, 0, forms.clinics, args.seed)
        progress = Progress()
        killer = Killer(app, progress, kill_thresholds(args.requests, args.kills, args.kill_after))
        say(f"[{database}] posting {len(posts)} enquiries with {args.clients} clients")
        killer.start()
        try:
            work = send_until_confirmed(post_form(app.url), progress)
            run = run_concurrently(app, posts, args.clients, work)
        finally:
            progress.finish()
            killer.join()
        if killer.error:
            raise killer.error

        say(f"[{database}] counting the stored enquiries")
        stored = app.query(STORED_CODE)
        app.stop()
        log = app.server_log()

    sent = [Sent.of(post, attempts) for post, attempts in zip(posts, run.results, strict=True)]
    outcome = Outcome.of(sent, killer.kills, stored)
    outcome.add_figures(database, app, args, run, log, figures)
    for line in log.errors[:10]:
        say(f"[{database}] server log: {line}")
    return forms.problems + outcome.problems(args.kills)


@dataclass
class Outcome:
    """What the clients were told, compared with what the database holds."""

    sent: list[Sent]
    kills: list[Kill]
    acknowledged: set[str]
    stored: list[tuple[str, str]]  # (reference, name)
    lost: list[tuple[str, str]]
    doubled: set[str]
    stored_not_acknowledged: list[str]
    cut_off_but_stored: int
    spam: int
    tasks: int

    @classmethod
    def of(cls, sent: list[Sent], kills: list[Kill], stored: Any) -> Outcome:
        rows = list(zip(stored["references"], stored["names"], strict=True))
        stored_rows = set(rows)
        acknowledged = {reference for form in sent for reference in form.references()}
        stored_per_name = Counter(name for _, name in rows)
        doubled = {form.name for form in sent if len(form.references()) > 1}
        doubled |= {name for name, count in stored_per_name.items() if count > 1}
        return cls(
            sent=sent,
            kills=kills,
            acknowledged=acknowledged,
            stored=rows,
            lost=[
                (reference, form.name)
                for form in sent
                for reference in form.references()
                if (reference, form.name) not in stored_rows
            ],
            doubled=doubled,
            stored_not_acknowledged=[ref for ref, _ in rows if ref not in acknowledged],
            cut_off_but_stored=cut_off_but_stored(
                sent, kills, dict(zip(stored["names"], stored["created"], strict=True))
            ),
            spam=stored["spam"],
            tasks=stored["tasks"],
        )

    def attempts(self) -> list[Posted]:
        return [attempt for form in self.sent for attempt in form.attempts]

    def unexpected(self) -> list[Posted]:
        """Answers that were not a confirmation; no answer at all (status 0) is expected."""
        return [a for a in self.attempts() if a.status and not a.reference]

    def unconfirmed(self) -> list[Sent]:
        return [form for form in self.sent if not form.references()]

    def in_flight_at_kill(self) -> int:
        return sum(form.in_flight_at(kill.at) for kill in self.kills for form in self.sent)

    def verdict(self) -> bool:
        return not self.lost and not self.doubled

    def add_figures(
        self,
        database: str,
        app: App,
        args: argparse.Namespace,
        run: Phase,
        log: ServerLog,
        figures: Figures,
    ) -> None:
        add = figures.add
        add(database, "clients", args.clients)
        add(database, "gunicorn_workers", app.effective_workers())
        add(database, "gunicorn_threads", app.effective_threads())
        add(database, "requests", len(self.sent))
        add(database, "kills", len(self.kills))
        add(database, "in_flight_at_kill", self.in_flight_at_kill())
        add(database, "cut_off_but_stored", self.cut_off_but_stored)
        add(database, "resent_after_kill", sum(len(form.attempts) > 1 for form in self.sent))
        add(database, "attempts", len(self.attempts()))
        add(database, "attempts_unanswered", sum(not a.status for a in self.attempts()))
        add(database, "unexpected_responses", len(self.unexpected()))
        add(database, "downtime_ms", max((k.downtime_ms() for k in self.kills), default=0.0))
        add(database, "posting_seconds", run.seconds)
        add(database, "acknowledged", len(self.acknowledged))
        add(database, "stored", len(self.stored))
        add(database, "lost", len(self.lost))
        add(database, "doubled", len(self.doubled))
        add(database, "stored_not_acknowledged", len(self.stored_not_acknowledged))
        add(database, "unconfirmed", len(self.unconfirmed()))
        add(database, "stored_spam", self.spam)
        add(database, "notifications_queued", self.tasks)
        add(database, "server_5xx", log.server_errors)
        add(database, "server_log_errors", len(log.errors))
        add(database, VERDICT, self.verdict())

    def problems(self, kills_wanted: int) -> list[str]:
        problems: list[str] = []
        if self.lost:
            problems.append(f"{len(self.lost)} acknowledged enquiries are not stored (lost)")
            problems += [f"  {ref} for {name}" for ref, name in self.lost[:5]]
        if self.doubled:
            problems.append(f"{len(self.doubled)} forms were stored or acknowledged twice")
            problems += [f"  {name}" for name in sorted(self.doubled)[:5]]
        if self.stored_not_acknowledged:
            problems.append(
                f"{len(self.stored_not_acknowledged)} stored enquiries were never "
                f"acknowledged: {sorted(self.stored_not_acknowledged)[:5]}"
            )
        if unexpected := self.unexpected():
            statuses = dict(Counter(a.status for a in unexpected))
            problems.append(f"{len(unexpected)} answers were not confirmations: {statuses}")
            problems += [f"  {a.status} {a.detail}" for a in unexpected[:5]]
        if unconfirmed := self.unconfirmed():
            problems.append(f"{len(unconfirmed)} forms were never confirmed")
            problems += [
                f"  {form.name}: {form.attempts[-1].detail if form.attempts else 'not sent'}"
                for form in unconfirmed[:5]
            ]
        if len(self.kills) < kills_wanted:
            problems.append(f"only {len(self.kills)} of {kills_wanted} kills: the run ended first")
        if self.kills and not self.in_flight_at_kill():
            problems.append("no post was in flight at a kill: the kills tested nothing")
        if self.spam:
            problems.append(f"{self.spam} enquiries were stored as spam")
        if self.tasks != len(self.stored):
            problems.append(f"{len(self.stored)} enquiries stored but {self.tasks} notifications")
        return problems


def cut_off_but_stored(sent: list[Sent], kills: list[Kill], created: dict[str, float]) -> int:
    """Forms cut off by a kill that were stored before it: saved, but never answered.

    Their clients got no answer and sent them again; the idempotency key must have given
    them the reference of the stored enquiry rather than a second one.
    """
    return sum(
        1
        for kill in kills
        for form in sent
        if form.cut_off_at(kill.at) and form.name in created and created[form.name] < kill.wall_at
    )


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_app_arguments(parser)
    parser.add_argument("--clients", type=int, default=32, help="concurrent clients (32)")
    parser.add_argument(
        "--requests", type=int, default=1200, help="distinct enquiries to send (1200)"
    )
    parser.add_argument(
        "--kill-after",
        type=float,
        default=0.4,
        metavar="SHARE",
        help="kill the server once this share of the enquiries is confirmed (0.4)",
    )
    parser.add_argument(
        "--kills",
        type=int,
        default=1,
        metavar="N",
        help="kill the server N times, spread from --kill-after to the end of the run (1)",
    )
    args = parser.parse_args(argv)
    for name in ("clients", "requests", "kills"):
        if getattr(args, name) < 1:
            parser.error(f"--{name} must be at least 1")
    if not 0 < args.kill_after < 1:
        parser.error("--kill-after must be between 0 and 1")
    return args


def main(argv: list[str] | None = None) -> int:
    return run_on_databases(
        parse_args(argv), bench_database, VERDICT, "every acknowledged enquiry stored once"
    )


if __name__ == "__main__":
    sys.exit(main())
