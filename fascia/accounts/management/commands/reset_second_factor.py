from django.core.management.base import BaseCommand, CommandError

from fascia.accounts.actions import second_factor_reset_from_console
from fascia.accounts.models import User


class Command(BaseCommand):
    help = (
        "Remove a staff member's authenticator app and recovery codes and end their sessions; "
        "they set up a new app at their next sign-in. For someone with no administrator to "
        "ask (the staff page does this otherwise). The audit trail records it."
    )

    def add_arguments(self, parser):
        parser.add_argument("username", help="The account's username or email address")

    def handle(self, *args, username, **options):
        member = User.objects.filter(username__iexact=username).first() or (
            User.objects.filter(email__iexact=username).first()
        )
        if member is None:
            raise CommandError(f"No account has the username or email address {username!r}.")
        second_factor_reset_from_console(member=member)
        self.stdout.write(
            f"{member.username} has no second factor now and sets one up at the next sign-in."
        )
