from django.core.management.base import BaseCommand, CommandError

from fascia.accounts import audit


class Command(BaseCommand):
    help = "Work with the audit trail. `audit verify` checks every chain of audit events."

    def add_arguments(self, parser):
        subcommands = parser.add_subparsers(dest="subcommand", required=True, metavar="SUBCOMMAND")
        verify = subcommands.add_parser(
            "verify",
            help=(
                "Check every chain of audit events; exit with 1, naming the first event of "
                "each broken chain that was changed, deleted or inserted out of order."
            ),
        )
        verify.add_argument(
            "--heads",
            action="store_true",
            help=(
                "Also print each chain's last sequence number and hash, to write down "
                "elsewhere: a later run that finds others for the same sequence number "
                "shows a chain rewritten, hashes and all."
            ),
        )

    def handle(self, *args, subcommand, heads=False, **options):
        if subcommand == "verify":
            self.verify(heads=heads)

    def verify(self, *, heads: bool) -> None:
        result = audit.verify()
        checked = f"{result.events} events in {result.chains} chains"
        if heads:
            for head in result.heads.values():
                self.stdout.write(f"chain {head.chain}: seq {head.seq}, hash {head.hash}")
        if not result.intact:
            for found in result.breaks:
                self.stderr.write(f"Broken: {found}")
            raise CommandError(
                f"The audit trail was tampered with ({len(result.breaks)} of {result.chains} "
                f"chains broken; {checked} checked). First: {result.breaks[0]}"
            )
        self.stdout.write(f"The audit trail is intact: {checked} checked.")
