import time

from django.core.management.base import BaseCommand

from fascia.enquiries.actions import enquiries_erase_expired


class Command(BaseCommand):
    help = (
        "Erase enquiries older than the retention period of the privacy notice "
        "(FASCIA_ENQUIRY_RETENTION_DAYS), except those that led to a booking."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--every",
            type=int,
            metavar="SECONDS",
            help="Keep running and erase again after this many seconds (as `make run` does).",
        )

    def handle(self, *args, every=None, **options):
        while True:
            erased = enquiries_erase_expired()
            self.stdout.write(f"Erased {erased} expired enquiries.")
            if not every:
                return
            time.sleep(every)
