"""`manage.py setup`: load the starting content and create the first administrator.

Safe to run on every start: it creates only what is missing, and prints an
administrator's password only on the run that creates the account.
"""

import secrets

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

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
        if not no_admin:
            self.ensure_admin(admin_username)

    def ensure_admin(self, username: str) -> None:
        User = get_user_model()
        with transaction.atomic():
            if User.objects.filter(username=username).exists():
                self.stdout.write(
                    f"Administrator '{username}' already exists; its password is not shown again. "
                    f"To set a new one: .venv/bin/python manage.py changepassword {username}"
                )
                return
            password = secrets.token_urlsafe(12)
            User.objects.create_superuser(username=username, email="", password=password)
        self.stdout.write(
            self.style.SUCCESS(
                "\nAn administrator account was created. This password is shown only once:\n"
                f"  username: {username}\n  password: {password}\n"
                "Sign in at /cms/ and change it under Account settings.\n"
            )
        )
