"""Writing and reading audit events: what each names, and what the trail refuses."""

import pytest
from django.db import DatabaseError, connection, transaction
from django.urls import reverse

from fascia.accounts import audit
from fascia.accounts.models import AppendOnlyError, AuditEvent, User
from fascia.clinics import events as staff_events
from fascia.clinics.models import Membership, Role
from fascia.enquiries import events

from .test_audit_chain import submit

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="the trigger that refuses UPDATE and DELETE exists on PostgreSQL only",
)


@pytest.fixture
def staff(db) -> User:
    return User.objects.create_user("audit-staff", password="a long test password")


@pytest.fixture
def event(staff) -> AuditEvent:
    return audit.record("test.viewed", staff, actor=staff, clinic=7, patient=42, ip="10.0.0.9")


class TestRecord:
    def test_it_names_the_clinic_patient_actor_record_and_address(self, event, staff):
        assert (event.clinic_id, event.patient_id, event.chain) == (7, 42, 7)
        assert (event.actor, event.target_type, event.target_id) == (
            staff,
            "accounts.user",
            str(staff.pk),
        )
        assert event.ip == "10.0.0.9"
        assert event.at is not None

    def test_it_accepts_a_clinic_or_its_id(self, staff, bangalore):
        assert audit.record("test.viewed", staff, clinic=bangalore).clinic_id == bangalore.pk
        assert audit.record("test.viewed", staff, clinic=bangalore.pk).chain == bangalore.pk

    def test_it_puts_events_of_no_clinic_in_the_organisations_chain(self, staff):
        first = audit.record("test.viewed", staff)
        second = audit.record("test.viewed", staff)
        assert (first.chain, first.clinic_id, first.seq, second.seq) == (0, None, 1, 2)
        assert second.prev_hash == first.hash

    def test_it_keeps_no_actor_for_an_anonymous_visitor(self, staff):
        from django.contrib.auth.models import AnonymousUser

        assert audit.record("test.viewed", staff, actor=AnonymousUser()).actor is None

    def test_it_keeps_an_address_in_canonical_form_and_drops_one_that_is_not_an_address(
        self, staff
    ):
        assert audit.record("t", staff, ip="::ffff:192.0.2.1").ip == "192.0.2.1"
        assert audit.record("t", staff, ip="2001:DB8:0:0::1").ip == "2001:db8::1"
        assert audit.record("t", staff, ip="not an address").ip is None

    def test_it_refuses_a_detail_that_would_not_read_back_the_same(self, staff):
        with pytest.raises(TypeError, match="not float"):
            audit.record("t", staff, detail={"score": 0.5})
        with pytest.raises(TypeError, match="not datetime"):
            audit.record("t", staff, detail={"when": staff.date_joined})

    def test_it_lists_the_events_of_one_patient(self, staff, event):
        audit.record("test.viewed", staff, clinic=7, patient=43)
        assert list(audit.events_for_patient(42)) == [event]

    def test_it_lists_the_events_of_one_record(self, staff, event):
        other = User.objects.create_user("audit-other")
        audit.record("test.viewed", other)
        assert list(audit.events_for(staff)) == [event]


class TestAppendOnly:
    def test_the_application_refuses_to_change_or_delete_an_event(self, event):
        event.action = "test.something_else"
        with pytest.raises(AppendOnlyError):
            event.save()
        with pytest.raises(AppendOnlyError):
            event.delete()
        with pytest.raises(AppendOnlyError):
            AuditEvent.objects.filter(pk=event.pk).update(action="test.something_else")
        with pytest.raises(AppendOnlyError):
            AuditEvent.objects.all().delete()
        assert AuditEvent.objects.get().action == "test.viewed"

    def test_the_application_refuses_events_written_around_the_chain(self, staff):
        with pytest.raises(AppendOnlyError):
            AuditEvent.objects.create(action="t", target_type="x", target_id="1")
        with pytest.raises(AppendOnlyError):
            AuditEvent.objects.bulk_create([AuditEvent(action="t", seq=1, hash="0" * 64)])

    @postgresql_only
    def test_the_postgresql_trigger_refuses_an_update_and_a_delete(self, event):
        with connection.cursor() as cursor:
            for sql in (
                "UPDATE accounts_auditevent SET action = 'test.something_else'",
                "DELETE FROM accounts_auditevent",
            ):
                with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
                    cursor.execute(sql)
        assert AuditEvent.objects.get().action == "test.viewed"

    @postgresql_only
    def test_the_postgresql_trigger_lets_the_table_be_truncated(self, event):
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no foreign key check pending
            cursor.execute("TRUNCATE accounts_auditevent")
        assert not AuditEvent.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_writing_an_event_outside_a_transaction_is_an_error():
    staff = User.objects.create_user("audit-outside")
    with pytest.raises(audit.OutsideTransactionError, match="outside a transaction"):
        audit.record("test.viewed", staff)
    assert not AuditEvent.objects.exists()
    with transaction.atomic():
        audit.record("test.viewed", staff)
    assert AuditEvent.objects.count() == 1


class TestEnquiryEvents:
    def test_a_staff_members_view_names_the_clinic_and_the_address(self, client, priya, bangalore):
        enquiry = submit(bangalore, 1)
        client.force_login(priya)
        response = client.get(
            reverse("inbox:detail", args=[enquiry.reference]), REMOTE_ADDR="198.51.100.4"
        )
        assert response.status_code == 200
        viewed = audit.events_for(enquiry).get(action=events.VIEWED)
        assert (viewed.actor, viewed.clinic_id, viewed.chain) == (priya, bangalore.pk, bangalore.pk)
        assert viewed.ip == "198.51.100.4"


class TestStaffEvents:
    def test_they_go_in_the_clinics_chain_or_the_organisations(self, asha, priya, bangalore):
        membership = Membership.objects.get(user=priya, clinic=bangalore)
        granted = staff_events.membership_granted(membership, by=asha, ip="192.0.2.8")
        deactivated = staff_events.staff_deactivated(priya, by=asha, ip="192.0.2.8")
        assert (granted.chain, granted.detail["role"]) == (bangalore.pk, Role.FRONT_DESK)
        assert (deactivated.chain, deactivated.target_id, deactivated.actor) == (
            0,
            str(priya.pk),
            asha,
        )
        assert list(audit.events_for(priya)) == [granted, deactivated]
