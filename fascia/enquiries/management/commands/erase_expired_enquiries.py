import time
from collections.abc import Iterable

from django.core.management.base import BaseCommand
from django.utils import timezone

from fascia.enquiries.actions import enquiries_erase_expired, enquiries_expired
from fascia.enquiries.models import Enquiry


class Command(BaseCommand):
    help = (
        "Erase enquiries older than the retention period of the privacy notice "
        "(FASCIA_ENQUIRY_RETENTION_DAYS), except those whose person became a patient. "
        "Each is listed by id, reference and the day it was received."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="List the enquiries a real run would erase now, and erase nothing.",
        )
        parser.add_argument(
            "--every",
            type=int,
            metavar="SECONDS",
            help="Keep running and erase again after this many seconds (as `make run` does).",
        )

    def handle(self, *args, dry_run=False, every=None, **options):
        if dry_run:
            expired = list(enquiries_expired())
            self.stdout.write(f"Would erase {len(expired)} expired enquiries.")
            self._list(expired)
            return
        while True:
            erased = enquiries_erase_expired()
            self.stdout.write(f"Erased {len(erased)} expired enquiries.")
            self._list(erased)
            if not every:
                return
            time.sleep(every)

    def _list(self, enquiries: Iterable[Enquiry]) -> None:
        for enquiry in enquiries:
            received = timezone.localtime(enquiry.created_at).date().isoformat()
            self.stdout.write(f"{enquiry.pk} {enquiry.reference} received {received}")
