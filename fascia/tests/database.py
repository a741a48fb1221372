"""Changing the database behind the application's back, as tests of its defences need."""

from django.db import connection


def tamper(sql: str, params=()) -> None:
    """Run SQL as someone with direct access to the database would; on PostgreSQL that
    someone is a superuser who first switches triggers off (as replication does)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET session_replication_role = replica")
        cursor.execute(sql, params)
        if connection.vendor == "postgresql":
            cursor.execute("RESET session_replication_role")
