"""`manage.py setup`: load the starting content and create the first administrator.

Safe to run on every start: it creates only what is missing, and prints an
administrator's password only on the run that creates the account.
"""

import secrets

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from fascia.accounts.models import OrganisationRole, User
from fascia.scheduling.schedules import seed_appointment_types
from fascia.website.seed import ContentError, load_site_content


class Command(BaseCommand):
    help = "Load the starting site content and create the first administrator, if missing."

    def add_arguments(self, parser):
        parser.add_argument("--admin-username", default="admin")
        parser.add_argument(
            "--no-admin", action="store_true", help="Do not create an administrator account."
        )

    def handle(self, *args, admin_username, no_admin, **options):
        try:
            report = load_site_content()
        except ContentError as error:
            raise CommandError(f"The site content is not valid:\n{error}") from error
        created = ", ".join(f"{n} {kind}" for kind, n in sorted(report.created.items()))
        self.stdout.write(f"Site content: created {created or 'nothing (all present)'}.")
        types = seed_appointment_types()
        self.stdout.write(f"Appointment types: created {types}.")
        if not no_admin:
            self.ensure_admin(admin_username)

    def ensure_admin(self, username: str) -> None:
        """The first administrator: staff and clinics in the staff area, and the CMS and
        Django admin as superuser. No clinic role, so no clinical content."""
        with transaction.atomic():
            if User.objects.filter(username=username).exists():
                self.stdout.write(
                    f"Administrator '{username}' already exists; its password is not shown again. "
                    f"To set a new one: .venv/bin/python manage.py changepassword {username}"
                )
                return
            password = secrets.token_urlsafe(12)
            User.objects.create_superuser(
                username=username,
                email="",
                password=password,
                organisation_role=OrganisationRole.ADMINISTRATOR,
            )
        lines = [
            "An administrator account was created.",
            "THIS PASSWORD IS SHOWN ONLY ONCE: copy it now.",
            "",
            f"  username: {username}",
            f"  password: {password}",
            "",
            "Sign in at /app/ (staff and clinics) or /cms/ (content),",
            "then change the password under Account settings in /cms/.",
        ]
        width = max(map(len, lines)) + 4
        box = [
            "",
            "#" * width,
            *(f"# {line.ljust(width - 4)} #" for line in lines),
            "#" * width,
            "",
        ]
        self.stdout.write(self.style.WARNING("\n".join(box)))
