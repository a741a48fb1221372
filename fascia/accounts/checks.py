"""A database made before staff accounts had their own model is refused, with what to do.

Until Fascia 0.1's staff accounts, staff were Django's built-in users (`auth_user`). Such a
database cannot be migrated to `accounts.User` in place; `migrate` (and so `make run`)
stops with this message instead of failing later with a traceback.
"""

from collections.abc import Iterable
from typing import Any

from django.core.checks import Error, Tags, register
from django.db import connections


@register(Tags.database)
def database_made_by_an_earlier_version(
    app_configs: Any = None, databases: Iterable[str] | None = None, **kwargs: Any
) -> list[Error]:
    errors = []
    for alias in databases or ():
        connection = connections[alias]
        tables = set(connection.introspection.table_names())
        if "auth_user" in tables and "accounts_user" not in tables:
            errors.append(
                Error(
                    "This database was made by an earlier version of Fascia, whose staff "
                    "accounts were Django's built-in users; this version keeps staff in "
                    "its own table and cannot convert that database in place.",
                    hint=(
                        f"Keep a copy of the database ({connection.settings_dict['NAME']}), "
                        "then start with a new one: for the embedded default, move "
                        "var/fascia.sqlite3 (and its -wal and -shm files) out of var/ and run "
                        "`make run` again; for PostgreSQL, point DATABASE_URL at a new, "
                        "empty database. Export any enquiries you need from the earlier "
                        "version's inbox first."
                    ),
                    id="fascia.E001",
                )
            )
    return errors
