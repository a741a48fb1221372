"""The staff actions: who may make each change, and the audit event every change writes."""

import pytest

from fascia.accounts.models import AuditEvent, OrganisationRole, User
from fascia.clinics import events
from fascia.clinics.actions import (
    ActionError,
    membership_grant,
    membership_revoke,
    organisation_role_set,
    staff_deactivate,
    staff_invite,
    staff_reactivate,
)
from fascia.clinics.models import Membership, Role
from fascia.tests.personas import make_staff


def invite(by, clinic, **overrides):
    arguments = {
        "email": "divya@fascia.example",
        "first_name": "Divya",
        "last_name": "Menon",
        "clinic": clinic,
        "role": Role.FRONT_DESK,
        "by": by,
        **overrides,
    }
    return staff_invite(**arguments)


def last_event() -> AuditEvent:
    return AuditEvent.objects.order_by("pk").last()


@pytest.fixture
def sunita(bangalore):
    """A clinic manager of Bangalore only."""
    return make_staff("sunita", "Sunita Nair", memberships={bangalore: Role.CLINIC_MANAGER})


class TestAuditEvents:
    def test_inviting_records_the_invitation_and_the_email(self, farah, bangalore, mailoutbox):
        invitation = invite(farah, bangalore, ip="203.0.113.9")

        assert invitation.sent
        invited, sent = AuditEvent.objects.filter(target_id=str(invitation.member.pk)).order_by(
            "pk"
        )
        assert (invited.action, invited.actor, invited.clinic_id) == (
            events.STAFF_INVITED,
            farah,
            bangalore.pk,
        )
        assert invited.target_type == "accounts.user"
        assert invited.detail["role"] == Role.FRONT_DESK
        assert invited.ip == "203.0.113.9"
        assert "Divya" not in str(invited.detail)
        assert sent.action == events.STAFF_INVITATION_SENT

    def test_granting_changing_and_revoking_a_membership_are_recorded(
        self, farah, arjun, hyderabad
    ):
        membership = membership_grant(
            member=arjun, clinic=hyderabad, role=Role.FRONT_DESK, by=farah
        )
        granted = last_event()
        assert (granted.action, granted.clinic_id, granted.target_id) == (
            events.MEMBERSHIP_GRANTED,
            hyderabad.pk,
            str(arjun.pk),
        )

        membership_grant(member=arjun, clinic=hyderabad, role=Role.PHYSIOTHERAPIST, by=farah)
        changed = last_event()
        assert changed.action == events.MEMBERSHIP_ROLE_CHANGED
        assert changed.detail == {
            "membership": membership.pk,
            "from": Role.FRONT_DESK,
            "to": Role.PHYSIOTHERAPIST,
        }

        membership_revoke(membership=Membership.objects.get(pk=membership.pk), by=farah)
        revoked = last_event()
        assert (revoked.action, revoked.actor, revoked.clinic_id) == (
            events.MEMBERSHIP_REVOKED,
            farah,
            hyderabad.pk,
        )
        assert revoked.detail["membership"] == membership.pk

    def test_deactivating_and_reactivating_are_recorded(self, farah, priya):
        staff_deactivate(member=priya, by=farah)
        assert (last_event().action, last_event().actor) == (events.STAFF_DEACTIVATED, farah)
        staff_reactivate(member=priya, by=farah)
        assert (last_event().action, last_event().target_id) == (
            events.STAFF_REACTIVATED,
            str(priya.pk),
        )

    def test_setting_the_organisation_role_is_recorded(self, asha, vikram):
        organisation_role_set(member=vikram, role=OrganisationRole.ADMINISTRATOR, by=asha)
        event = last_event()
        assert event.action == events.ORGANISATION_ROLE_CHANGED
        assert event.detail == {"from": "", "to": OrganisationRole.ADMINISTRATOR}

    def test_a_refused_change_records_nothing(self, sunita, meera, hyderabad):
        before = AuditEvent.objects.count()
        with pytest.raises(ActionError):
            membership_grant(member=meera, clinic=hyderabad, role=Role.FRONT_DESK, by=sunita)
        with pytest.raises(ActionError):
            staff_deactivate(member=meera, by=sunita)
        with pytest.raises(ActionError):
            invite(sunita, hyderabad)
        assert AuditEvent.objects.count() == before


class TestStaffInvite:
    def test_it_refuses_a_clinic_the_user_does_not_manage(self, sunita, hyderabad, mailoutbox):
        with pytest.raises(ActionError):
            invite(sunita, hyderabad)
        assert not User.objects.filter(email="divya@fascia.example").exists()
        assert mailoutbox == []

    def test_it_never_makes_a_second_account_for_an_email_in_another_case(
        self, farah, priya, bangalore, mailoutbox
    ):
        with pytest.raises(ActionError, match="already belongs to a staff account"):
            invite(farah, bangalore, email=" Priya@FASCIA.example ")
        assert User.objects.filter(email__iexact="priya@fascia.example").count() == 1
        assert mailoutbox == []

    def test_it_refuses_a_role_that_does_not_exist(self, farah, bangalore):
        with pytest.raises(ActionError):
            invite(farah, bangalore, role="superuser")
        assert not User.objects.filter(email="divya@fascia.example").exists()

    def test_people_who_manage_no_staff_cannot_invite(self, priya, vikram, bangalore):
        for person in (priya, vikram):
            with pytest.raises(ActionError):
                invite(person, bangalore)


class TestMemberships:
    def test_the_same_role_again_is_refused(self, farah, priya, bangalore):
        with pytest.raises(ActionError, match="already Front desk"):
            membership_grant(member=priya, clinic=bangalore, role=Role.FRONT_DESK, by=farah)

    def test_nobody_changes_their_own_memberships(self, farah, asha, bangalore):
        with pytest.raises(ActionError):
            membership_revoke(membership=farah.memberships.get(clinic=bangalore), by=farah)
        with pytest.raises(ActionError):
            membership_grant(member=asha, clinic=bangalore, role=Role.PHYSIOTHERAPIST, by=asha)
        assert farah.memberships.count() == 2
        assert not asha.memberships.exists()

    def test_an_administrator_grants_in_any_clinic(self, asha, meera, bangalore):
        membership_grant(member=meera, clinic=bangalore, role=Role.PHYSIOTHERAPIST, by=asha)
        assert meera.memberships.count() == 2

    def test_a_closed_clinic_takes_no_new_members(self, asha, meera, bangalore):
        bangalore.active = False
        bangalore.save()
        with pytest.raises(ActionError):
            membership_grant(member=meera, clinic=bangalore, role=Role.FRONT_DESK, by=asha)


class TestAccounts:
    def test_an_account_already_deactivated_is_not_deactivated_again(self, asha, priya):
        staff_deactivate(member=priya, by=asha)
        with pytest.raises(ActionError, match="already deactivated"):
            staff_deactivate(member=priya, by=asha)
        assert AuditEvent.objects.filter(action=events.STAFF_DEACTIVATED).count() == 1

    def test_a_manager_cannot_reactivate_someone_of_another_clinic(self, sunita, asha, meera):
        staff_deactivate(member=meera, by=asha)
        with pytest.raises(ActionError):
            staff_reactivate(member=meera, by=sunita)
        meera.refresh_from_db()
        assert not meera.is_active

    def test_a_manager_cannot_deactivate_a_content_editor_with_a_role_in_their_clinic(
        self, farah, neha, bangalore
    ):
        Membership.objects.create(user=neha, clinic=bangalore, role=Role.FRONT_DESK)
        with pytest.raises(ActionError):
            staff_deactivate(member=neha, by=farah)

    def test_a_content_editor_joins_wagtails_moderators_and_leaves_when_made_administrator(
        self, asha, vikram
    ):
        organisation_role_set(member=vikram, role=OrganisationRole.CONTENT_EDITOR, by=asha)
        assert set(vikram.groups.values_list("name", flat=True)) == {"Moderators"}
        organisation_role_set(member=vikram, role=OrganisationRole.ADMINISTRATOR, by=asha)
        assert not vikram.groups.exists()

    def test_an_unknown_organisation_role_is_refused(self, asha, vikram):
        with pytest.raises(ActionError):
            organisation_role_set(member=vikram, role="superuser", by=asha)
        vikram.refresh_from_db()
        assert vikram.organisation_role == OrganisationRole.NONE
