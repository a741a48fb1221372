"""`manage.py audit verify`: every chain checked, and the first tampered event named."""

import io
import json
import subprocess

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from phonenumber_field.phonenumber import PhoneNumber

from fascia.accounts import audit
from fascia.accounts.models import AuditChain, AuditEvent, User
from fascia.enquiries import actions, events
from fascia.enquiries.models import PhoneKind, PreferredTime, Status
from fascia.tests.commands import manage as run_manage
from fascia.tests.database import tamper

TABLE = AuditEvent._meta.db_table


def submit(clinic, n: int):
    enquiry, _created = actions.enquiry_submit(
        idempotency_key=f"audit-chain-{n}",
        name=f"Visitor {n}",
        phone=PhoneNumber.from_string(f"+91984500{n:04d}"),
        phone_kind=PhoneKind.MOBILE,
        email="",
        clinic=clinic,
        preferred_time=PreferredTime.EVENING,
        message="A deep ache in the left buttock after long meetings.",
        source_page=None,
        source_url="",
        consent_version="2026-01",
    )
    return enquiry


def verify(*options: str) -> str:
    out = io.StringIO()
    call_command("audit", "verify", *options, stdout=out, stderr=out)
    return out.getvalue()


def insert_by_hand(event: AuditEvent, **changes) -> None:
    """Insert a copy of `event` with `changes`, by SQL: no application code runs."""
    values = {
        field.column: field.get_db_prep_value(getattr(event, field.attname), connection)
        for field in AuditEvent._meta.concrete_fields
        if not field.primary_key
    }
    values |= changes
    columns = ", ".join(connection.ops.quote_name(column) for column in values)
    marks = ", ".join(["%s"] * len(values))
    insert = f"INSERT INTO {TABLE} ({columns}) VALUES ({marks})"  # noqa: S608 (the model's columns)
    tamper(insert, list(values.values()))


def name(event: AuditEvent) -> str:
    return f"audit event {event.pk} (chain {event.chain}, seq {event.seq})"


@pytest.fixture
def trail(bangalore, hyderabad, priya):
    """A fresh site with enquiries for Bangalore (chain of 4 events), Hyderabad (1) and
    either clinic (1), received and handled through the actions."""
    first = submit(bangalore, 1)
    submit(bangalore, 2)
    submit(hyderabad, 3)
    submit(None, 4)
    actions.enquiry_change_status(
        enquiry=first, status=Status.CONTACTED, by=priya, ip="203.0.113.7"
    )
    actions.enquiry_add_note(enquiry=first, text="Called back.", by=priya, ip="203.0.113.7")
    return list(AuditEvent.objects.filter(chain=bangalore.pk).order_by("seq"))


class TestVerify:
    def test_it_passes_on_a_fresh_site_with_enquiries(self, trail):
        assert verify() == "The audit trail is intact: 6 events in 3 chains checked.\n"

    def test_it_prints_each_chains_head_to_write_down_elsewhere(self, trail):
        last = trail[-1]
        assert f"chain {last.chain}: seq 4, hash {last.hash}\n" in verify("--heads")

    def test_it_puts_each_clinics_events_in_that_clinics_chain(self, trail, bangalore, hyderabad):
        assert [event.action for event in trail] == [
            events.RECEIVED,
            events.RECEIVED,
            events.STATUS_CHANGED,
            events.NOTE_ADDED,
        ]
        assert [event.seq for event in trail] == [1, 2, 3, 4]
        assert {event.clinic_id for event in trail} == {bangalore.pk}
        assert AuditEvent.objects.get(chain=hyderabad.pk).clinic_id == hyderabad.pk
        assert AuditEvent.objects.get(chain=0).clinic_id is None
        assert [event.prev_hash for event in trail[1:]] == [event.hash for event in trail[:-1]]
        assert AuditChain.objects.get(chain=bangalore.pk).hash == trail[-1].hash

    def test_it_names_a_row_that_was_edited(self, trail):
        changed = trail[2]
        tamper(
            "UPDATE accounts_auditevent SET detail = %s WHERE id = %s",
            [json.dumps({"from": "new", "to": "booked"}), changed.pk],
        )
        with pytest.raises(CommandError) as error:
            verify()
        assert f"{name(changed)} was changed" in str(error.value)

    def test_it_names_the_row_after_one_that_was_deleted(self, trail):
        tamper("DELETE FROM accounts_auditevent WHERE id = %s", [trail[1].pk])
        with pytest.raises(CommandError) as error:
            verify()
        assert f"{name(trail[2])} follows {name(trail[0])}: seq 2 is missing (deleted)" in str(
            error.value
        )

    def test_it_notices_that_the_last_row_was_deleted(self, trail):
        tamper("DELETE FROM accounts_auditevent WHERE id = %s", [trail[3].pk])
        with pytest.raises(CommandError) as error:
            verify()
        assert f"the chain ends at {name(trail[2])}: seq 4 is missing (deleted)" in str(error.value)

    def test_it_names_a_row_inserted_by_hand_even_with_a_correct_hash(self, trail):
        last = trail[-1]
        forged = {name: getattr(last, name) for name in audit.HASHED_FIELDS}
        forged |= {"seq": 5, "prev_hash": last.hash, "action": events.ERASED}
        insert_by_hand(
            last, seq=5, prev_hash=last.hash, action=events.ERASED, hash=audit.content_hash(forged)
        )
        inserted = AuditEvent.objects.get(chain=last.chain, seq=5)
        with pytest.raises(CommandError) as error:
            verify()
        assert f"{name(inserted)} lies beyond the end of its chain (which ends at seq 4)" in str(
            error.value
        )

    def test_it_names_a_row_inserted_out_of_order(self, trail):
        """An old event copied to the end of its chain, with the chain's head moved on."""
        copied = trail[1]
        insert_by_hand(copied, seq=5)
        AuditChain.objects.filter(chain=copied.chain).update(seq=5)
        inserted = AuditEvent.objects.get(chain=copied.chain, seq=5)
        with pytest.raises(CommandError) as error:
            verify()
        assert f"{name(inserted)} does not follow {name(trail[3])}: inserted out of order" in str(
            error.value
        )

    def test_it_reports_every_broken_chain_and_counts_every_event(self, trail, hyderabad):
        tamper(
            "UPDATE accounts_auditevent SET target_id = 'x' WHERE chain IN (%s, %s)",
            [trail[0].chain, hyderabad.pk],
        )
        with pytest.raises(CommandError) as error:
            verify()
        assert "2 of 3 chains broken; 6 events in 3 chains checked" in str(error.value)


def manage(*args: str) -> subprocess.CompletedProcess[str]:
    """Run manage.py in a new process on the test database, as an operator would."""
    database = connection.settings_dict
    if connection.vendor == "postgresql":
        url = (
            f"postgres://{database['USER']}:{database['PASSWORD'] or ''}@"
            f"{database['HOST'] or '127.0.0.1'}:{database['PORT'] or 5432}/{database['NAME']}"
        )
    else:
        url = f"sqlite:///{database['NAME']}"
    return run_manage(*args, env={"DATABASE_URL": url})


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_its_command_line_exits_with_1_naming_the_changed_row():
    staff = User.objects.create_user("audit-cli", password="a long test password")
    with transaction.atomic():
        for clinic in (1, 1, 2):
            audit.record("test.viewed", staff, actor=staff, clinic=clinic)
    intact = manage("audit", "verify")
    assert (intact.returncode, intact.stdout) == (
        0,
        "The audit trail is intact: 3 events in 2 chains checked.\n",
    )

    changed = AuditEvent.objects.get(chain=1, seq=2)
    tamper("UPDATE accounts_auditevent SET actor_id = NULL WHERE id = %s", [changed.pk])
    broken = manage("audit", "verify")
    assert broken.returncode == 1
    assert f"{name(changed)} was changed" in broken.stderr
