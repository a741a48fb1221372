"""Command line: `python -m fascia.pathways check FILE [FILE...]`.

Prints one line per problem, or `OK: <file> (<pathway id> v<version>)`. A file
under `fascia/pathways/definitions/` of a released id and version must also be
the released file, byte for byte (see `registry`). Exits 1 when any file has a
problem and 2 when the command is used wrongly.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from fascia.pathways.registry import REGISTRY


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m fascia.pathways", description="Check care-pathway files."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    check = commands.add_parser("check", help="check one or more pathway YAML files")
    check.add_argument("files", nargs="+", metavar="FILE")
    arguments = parser.parse_args(argv)
    failed = False
    for name in arguments.files:
        result = REGISTRY.check_file(name)
        failed = failed or not result.ok
        for line in result.lines():
            print(line)  # noqa: T201 - this is a command-line tool
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
