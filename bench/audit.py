"""Audit events written at the same time: one clinic's chain against each writer its own.

Every audit event takes the next place in its clinic's hash chain, holding the chain's head
(a row locked with SELECT ... FOR UPDATE on PostgreSQL) until its transaction ends. This
measures what that costs when many staff work at once:

1. `--threads` threads each write `--events` events, one transaction per event as an
   action does, all to **one clinic**: every writer waits its turn at the same head;
2. the same, each thread writing to **its own clinic**: no writer waits for another's head;
3. `audit verify` over everything written: every chain whole, none forked.

`--hold-ms` keeps each transaction open that long after its event is written, as an action
that records its event before its last writes would (default 0: event, then commit).

On PostgreSQL when DATABASE_URL is a postgres:// URL: the database `fascia_bench_audit` is
made afresh on that server (and dropped at the end), with only the accounts app migrated.
Otherwise on SQLite, in a temporary directory, as the embedded mode runs (WAL, transactions
BEGIN IMMEDIATE): there every writer waits for every other, whatever the clinic.

Figures are printed last, one a line: `<database> <name> <value>`. Wall-clock figures are
reported, never asserted; the exit status is 1 only if a chain does not verify.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

from harness import Figures, say

ROOT = Path(__file__).resolve().parent.parent
BENCH_DATABASE = "fascia_bench_audit"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--threads", type=int, default=8, help="writers at once (default 8)")
    parser.add_argument(
        "--events", type=int, default=250, help="events per writer per round (default 250)"
    )
    parser.add_argument("--rounds", type=int, default=3, help="rounds; medians reported")
    parser.add_argument(
        "--hold-ms",
        type=float,
        default=0.0,
        help="keep each transaction open this long after its event (default 0)",
    )
    args = parser.parse_args()

    url = os.environ.get("DATABASE_URL", "")
    postgres = url.startswith(("postgres://", "postgresql://"))
    with tempfile.TemporaryDirectory(prefix="fascia-bench-audit-") as var_dir:
        os.environ["FASCIA_VAR_DIR"] = var_dir
        os.environ.pop("REDIS_URL", None)
        if postgres:
            admin_url = url
            os.environ["DATABASE_URL"] = f"{url.rsplit('/', 1)[0]}/{BENCH_DATABASE}"
            recreate_database(admin_url)
        else:
            os.environ["DATABASE_URL"] = f"sqlite:///{Path(var_dir) / 'bench.sqlite3'}"
        try:
            return run(args, "postgres" if postgres else "sqlite")
        finally:
            if postgres:
                from django.db import connections

                connections.close_all()
                drop_database(admin_url)


def run(args: argparse.Namespace, scope: str) -> int:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fascia.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from fascia.accounts import audit
    from fascia.accounts.models import User

    say(f"{scope}: migrating the accounts app")
    call_command("migrate", "accounts", verbosity=0)
    target = User.objects.create_user("bench-audit")
    version = connection.pg_version if scope == "postgres" else None
    connection.close()

    figures = Figures()
    rates: dict[str, list[float]] = {"one_clinic": [], "own_clinics": []}
    first_clinic = 1
    for round_number in range(1, args.rounds + 1):
        for layout in rates:
            clinics = (
                [first_clinic] * args.threads
                if layout == "one_clinic"
                else list(range(first_clinic, first_clinic + args.threads))
            )
            first_clinic += args.threads  # every round starts new chains
            rate = write_concurrently(audit, target, clinics, args.events, args.hold_ms / 1000)
            rates[layout].append(rate)
            say(f"{scope} round {round_number} {layout}: {rate:.0f} events/s")

    say(f"{scope}: verifying every chain")
    started = time.perf_counter()
    result = audit.verify()
    verify_seconds = time.perf_counter() - started

    one, own = statistics.median(rates["one_clinic"]), statistics.median(rates["own_clinics"])
    if version:
        figures.add(scope, "server_version", version)
    figures.add(scope, "threads", args.threads)
    figures.add(scope, "events_per_thread", args.events)
    figures.add(scope, "hold_ms", args.hold_ms)
    figures.add(scope, "one_clinic_events_per_s", one)
    figures.add(scope, "own_clinics_events_per_s", own)
    figures.add(scope, "own_over_one_ratio", own / one, digits=2)
    figures.add(scope, "verified_events", result.events)
    figures.add(scope, "verified_chains", result.chains)
    figures.add(scope, "verify_events_per_s", result.events / verify_seconds, digits=0)
    figures.add(scope, "chains_intact", result.intact)
    figures.print()
    for found in result.breaks:
        say(f"broken: {found}")
    return 0 if result.intact else 1


def write_concurrently(audit, target, clinics: list[int], events: int, hold: float) -> float:
    """Events per second of len(clinics) threads each writing `events` events to its clinic."""
    from django.db import connections, transaction

    start = threading.Barrier(len(clinics) + 1)
    errors: list[BaseException] = []

    def write(clinic: int) -> None:
        try:
            connections["default"].ensure_connection()
            start.wait()
            for _ in range(events):
                with transaction.atomic():
                    audit.record("bench.event", target, clinic=clinic, detail={"bench": True})
                    if hold:
                        time.sleep(hold)
        except BaseException as error:
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=write, args=(clinic,)) for clinic in clinics]
    for thread in threads:
        thread.start()
    start.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    if errors:
        raise errors[0]
    return len(clinics) * events / elapsed


def _admin(url: str):
    import psycopg

    return psycopg.connect(url, autocommit=True, connect_timeout=10)


def recreate_database(admin_url: str) -> None:
    from psycopg import sql

    with _admin(admin_url) as connection:
        name = sql.Identifier(BENCH_DATABASE)
        connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))
        connection.execute(sql.SQL("CREATE DATABASE {}").format(name))


def drop_database(admin_url: str) -> None:
    from psycopg import sql

    with _admin(admin_url) as connection:
        name = sql.Identifier(BENCH_DATABASE)
        connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))


if __name__ == "__main__":
    sys.exit(main())
