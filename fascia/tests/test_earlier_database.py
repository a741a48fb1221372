"""`make run` on a database made by an earlier version: a clear message, no traceback."""

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_migrate_refuses_a_database_whose_staff_are_djangos_built_in_users(tmp_path):
    database = tmp_path / "fascia.sqlite3"
    with sqlite3.connect(database) as connection:
        connection.execute("CREATE TABLE django_migrations (id integer primary key, app text)")
        connection.execute("CREATE TABLE auth_user (id integer primary key, username text)")
    env = {
        **os.environ,
        "FASCIA_VAR_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{database}",
    }
    env.pop("REDIS_URL", None)
    result = subprocess.run(
        [sys.executable, "manage.py", "migrate", "--no-input"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert "made by an earlier version of Fascia" in result.stderr
    assert "var/fascia.sqlite3" in result.stderr
    assert "Traceback" not in result.stderr
    with sqlite3.connect(database) as connection:
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
    assert "accounts_user" not in tables
