"""`make run` on a database made by an earlier version: a clear message, no traceback."""

import sqlite3

import pytest

from fascia.tests.commands import manage


@pytest.mark.slow
def test_migrate_refuses_a_database_whose_staff_are_djangos_built_in_users(tmp_path):
    database = tmp_path / "fascia.sqlite3"
    with sqlite3.connect(database) as connection:
        connection.execute("CREATE TABLE django_migrations (id integer primary key, app text)")
        connection.execute("CREATE TABLE auth_user (id integer primary key, username text)")
    result = manage(
        "migrate",
        "--no-input",
        env={"FASCIA_VAR_DIR": str(tmp_path), "DATABASE_URL": f"sqlite:///{database}"},
    )
    assert result.returncode != 0
    assert "made by an earlier version of Fascia" in result.stderr
    assert "var/fascia.sqlite3" in result.stderr
    assert "Traceback" not in result.stderr
    with sqlite3.connect(database) as connection:
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
    assert "accounts_user" not in tables
