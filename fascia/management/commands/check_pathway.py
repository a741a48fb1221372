"""`manage.py check_pathway [FILE ...]`: check pathway files like `python -m fascia.pathways check`.

With no files, checks every pathway the registry holds: each `*.yaml` under
`fascia/pathways/definitions/`, superseded versions included, and that no two files
share an id and version.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from fascia.pathways import REGISTRY, CheckResult


class Command(BaseCommand):
    help = "Check care-pathway YAML files: schema, references, reachability, messages."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "files", nargs="*", metavar="FILE", help="pathway files (default: all definitions)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        results: list[CheckResult] = [
            REGISTRY.check_file(f) for f in options["files"]
        ] or REGISTRY.check()
        if not results:
            folders = ", ".join(str(f) for f in REGISTRY.folders)
            raise CommandError(f"No pathway files found in {folders}.")
        problems = 0
        for result in results:
            problems += len(result.problems) or (0 if result.ok else 1)
            for line in result.lines():
                self.stdout.write(line)
        if problems:
            raise CommandError(f"{problems} problem(s) found in pathway files.")
