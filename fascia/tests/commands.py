"""Running `manage.py` in a new process, as `make run` and an operator do, for the tests of
commands through their command line."""

import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def manage(
    *args: str, env: Mapping[str, str], check: bool = False
) -> subprocess.CompletedProcess[str]:
    """`manage.py ARGS` with the production settings, this process's environment plus
    `env` (which names the database and var directory), and without Redis."""
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "fascia.settings", **env}
    environment.pop("REDIS_URL", None)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        check=check,
    )
