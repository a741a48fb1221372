"""On PostgreSQL, the database itself refuses to change or delete an audit event.

A statement trigger refuses every UPDATE and DELETE on the audit table, whoever runs it.
TRUNCATE stays possible: the test suite empties the database with it between tests, and
whoever may truncate a table may drop it anyway. SQLite has no such guard: there the
application refuses (`AuditEvent.save()`, `delete()` and the queryset), and
`manage.py audit verify` finds what was changed with SQL.
"""

from django.db import migrations

FUNCTION = "accounts_auditevent_refuse_change"
TRIGGER = "accounts_auditevent_append_only"


def refuse_changes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    table = schema_editor.quote_name(apps.get_model("accounts", "AuditEvent")._meta.db_table)
    schema_editor.execute(
        f"""
        CREATE OR REPLACE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION 'audit events are append-only: % refused on %', TG_OP, TG_TABLE_NAME
                USING ERRCODE = 'insufficient_privilege';
        END;
        $$
        """,
        params=None,  # the body's % signs are PL/pgSQL's, not placeholders
    )
    schema_editor.execute(
        f"CREATE TRIGGER {TRIGGER} BEFORE UPDATE OR DELETE ON {table} "
        f"FOR EACH STATEMENT EXECUTE FUNCTION {FUNCTION}()"
    )


def allow_changes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    table = schema_editor.quote_name(apps.get_model("accounts", "AuditEvent")._meta.db_table)
    schema_editor.execute(f"DROP TRIGGER IF EXISTS {TRIGGER} ON {table}")
    schema_editor.execute(f"DROP FUNCTION IF EXISTS {FUNCTION}()")


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]

    operations = [migrations.RunPython(refuse_changes, allow_changes, elidable=False)]
