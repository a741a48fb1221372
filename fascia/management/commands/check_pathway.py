"""`manage.py check_pathway [FILE ...]`: check pathway files like `python -m fascia.pathways check`.

With no files, checks every `*.yaml` in `fascia/pathways/definitions/`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from fascia.pathways import DEFINITIONS_DIR, check_file


class Command(BaseCommand):
    help = "Check care-pathway YAML files: schema, references, reachability, messages."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "files", nargs="*", metavar="FILE", help="pathway files (default: all definitions)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        files = [Path(f) for f in options["files"]] or sorted(DEFINITIONS_DIR.glob("*.yaml"))
        if not files:
            raise CommandError(f"No pathway files found in {DEFINITIONS_DIR}.")
        problems = 0
        for file in files:
            result = check_file(file)
            problems += len(result.problems) or (0 if result.ok else 1)
            for line in result.lines():
                self.stdout.write(line)
        if problems:
            raise CommandError(f"{problems} problem(s) found in pathway files.")
