"""`manage.py housekeeping --every SECONDS`: the background safety nets, in one process.

Each round:

- `fascia.messaging.delivery.sweep()`: messages a killed task worker left half-sent go back
  to the queue, and due messages that lost their task get one again;
- `fascia.treatment.follow_ups.sweep()`: unanswered follow-ups are sent again once (when
  configured) and marked unanswered when their link expires;
- once an hour, enquiries past their retention period are erased
  (`enquiries_erase_expired`, what `manage.py erase_expired_enquiries` does).

`--once` runs one round (all three) and stops: for tests and cron. In the loop, a round that
fails (the database restarting, say) is logged and the next one runs as usual, so the
process that `make run` and `make cluster` start (the Procfile's `housekeeping:` line) does
not stop the others by exiting.
"""

import logging
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import close_old_connections

from fascia.enquiries.actions import enquiries_erase_expired
from fascia.messaging import delivery
from fascia.treatment import follow_ups

log = logging.getLogger(__name__)

ERASE_EVERY_SECONDS = 3600


class Command(BaseCommand):
    help = (
        "Recover messages a killed worker left, resend or close unanswered follow-ups and, "
        "hourly, erase expired enquiries; every SECONDS, or once."
    )

    def add_arguments(self, parser):
        group = parser.add_mutually_exclusive_group(required=True)
        group.add_argument(
            "--every",
            type=int,
            metavar="SECONDS",
            help="Keep running, a round every SECONDS (the Procfile uses 60).",
        )
        group.add_argument("--once", action="store_true", help="Run one round and stop.")

    def handle(self, *args, every=None, once=False, **options):
        if once:
            try:
                self.round(erase=True)
            except Exception as error:
                raise CommandError(f"Housekeeping failed: {error}") from error
            return
        if every is None or every < 1:
            raise CommandError("--every needs a number of seconds, 1 or more.")
        last_erase: float | None = None
        while True:
            close_old_connections()
            erase = last_erase is None or time.monotonic() - last_erase >= ERASE_EVERY_SECONDS
            try:
                self.round(erase=erase)
            except Exception:
                log.exception("Housekeeping: the round failed; trying again in %d s", every)
            else:
                if erase:
                    last_erase = time.monotonic()
            time.sleep(every)

    def round(self, *, erase: bool) -> None:
        messages = delivery.sweep()
        followed = follow_ups.sweep()
        parts = [
            f"{messages} messages recovered or queued again",
            f"{followed} follow-ups changed",
        ]
        if erase:
            parts.append(f"{len(enquiries_erase_expired())} expired enquiries erased")
        self.stdout.write("Housekeeping: " + "; ".join(parts) + ".")
