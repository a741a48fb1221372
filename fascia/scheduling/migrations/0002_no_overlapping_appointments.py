"""No practitioner is ever in two appointments at once: the database refuses it.

Appointments that hold time (requested, booked, arrived, done) may not overlap for one
practitioner. PostgreSQL says so with an exclusion constraint over the time range (which
needs the btree_gist extension for the practitioner's id); SQLite, which has no such
constraint, with triggers before every insert and update. Either way the refusal is an
IntegrityError in the transaction that tried, whatever the application checked before.
"""

from django.db import migrations

POSTGRESQL = [
    "CREATE EXTENSION IF NOT EXISTS btree_gist",
    "ALTER TABLE scheduling_appointment ADD CONSTRAINT scheduling_appointment_no_overlap "
    "EXCLUDE USING gist (practitioner_id WITH =, tstzrange(starts_at, ends_at, '[)') WITH &&) "
    "WHERE (status IN ('requested', 'booked', 'arrived', 'done'))",
]
POSTGRESQL_UNDO = [
    "ALTER TABLE scheduling_appointment DROP CONSTRAINT scheduling_appointment_no_overlap"
]

SQLITE_CHECK = (
    "WHEN NEW.status IN ('requested', 'booked', 'arrived', 'done') AND EXISTS ("
    "SELECT 1 FROM scheduling_appointment a WHERE a.practitioner_id = NEW.practitioner_id "
    "AND a.id IS NOT NEW.id AND a.status IN ('requested', 'booked', 'arrived', 'done') "
    "AND a.starts_at < NEW.ends_at AND NEW.starts_at < a.ends_at) "
    "BEGIN SELECT RAISE(ABORT, 'scheduling_appointment_no_overlap: the practitioner already "
    "has an appointment at that time'); END"
)
SQLITE = [
    "CREATE TRIGGER scheduling_appointment_no_overlap_insert BEFORE INSERT ON "
    f"scheduling_appointment {SQLITE_CHECK}",
    "CREATE TRIGGER scheduling_appointment_no_overlap_update BEFORE UPDATE OF practitioner_id, "
    f"starts_at, ends_at, status ON scheduling_appointment {SQLITE_CHECK}",
]
SQLITE_UNDO = [
    "DROP TRIGGER scheduling_appointment_no_overlap_insert",
    "DROP TRIGGER scheduling_appointment_no_overlap_update",
]


def statements(vendor: str, *, undo: bool) -> list[str]:
    if vendor == "postgresql":
        return POSTGRESQL_UNDO if undo else POSTGRESQL
    if vendor == "sqlite":
        return SQLITE_UNDO if undo else SQLITE
    raise NotImplementedError(f"no overlap rule is written for {vendor}")


def forwards(apps, schema_editor):
    for statement in statements(schema_editor.connection.vendor, undo=False):
        schema_editor.execute(statement)


def backwards(apps, schema_editor):
    for statement in statements(schema_editor.connection.vendor, undo=True):
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("scheduling", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
