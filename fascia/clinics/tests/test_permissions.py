"""The permission module: what each role may do, in which clinic."""

import pytest
from django.http import Http404

from fascia.accounts.models import User
from fascia.clinics.models import Membership, Role
from fascia.clinics.permissions import (
    Capability,
    access_clinic,
    can,
    can_manage_clinics,
    can_use_app,
    clinics_for,
    require,
)


@pytest.mark.django_db
class TestRoles:
    def test_front_desk_handles_enquiries_but_never_clinical_content(self, priya, bangalore):
        assert can(priya, Capability.ENQUIRIES, bangalore)
        assert can(priya, Capability.APPOINTMENTS, bangalore)
        assert not can(priya, Capability.CLINICAL, bangalore)
        assert not can(priya, Capability.STAFF, bangalore)

    def test_a_physiotherapist_reads_clinical_records_of_their_own_clinic_only(
        self, arjun, bangalore, hyderabad
    ):
        assert can(arjun, Capability.CLINICAL, bangalore)
        assert not can(arjun, Capability.CLINICAL, hyderabad)
        assert not can(arjun, Capability.ENQUIRIES, hyderabad)

    def test_a_manager_has_everything_in_their_clinics(self, farah, bangalore, hyderabad):
        for clinic in (bangalore, hyderabad):
            assert all(can(farah, capability, clinic) for capability in Capability)

    def test_an_administrator_manages_staff_everywhere_but_sees_no_clinical_content(
        self, asha, bangalore, hyderabad
    ):
        assert set(clinics_for(asha, Capability.STAFF)) == {bangalore, hyderabad}
        assert not can(asha, Capability.CLINICAL, bangalore)
        assert not can(asha, Capability.ENQUIRIES, bangalore)
        assert can_manage_clinics(asha)

    def test_an_administrator_who_is_also_a_member_gets_that_roles_rights(self, asha, bangalore):
        Membership.objects.create(user=asha, clinic=bangalore, role=Role.PHYSIOTHERAPIST)
        assert can(asha, Capability.CLINICAL, bangalore)

    def test_content_editors_and_outsiders_have_no_place_in_the_staff_area(self, neha, vikram):
        assert not can_use_app(neha)
        assert not can_use_app(vikram)
        assert not can_manage_clinics(neha)

    def test_a_deactivated_account_can_do_nothing(self, farah, bangalore):
        farah.is_active = False
        assert not can_use_app(farah)
        assert not can(farah, Capability.STAFF, bangalore)

    def test_a_closed_clinic_gives_no_rights(self, arjun, bangalore):
        bangalore.active = False
        bangalore.save()
        assert not can(User.objects.get(pk=arjun.pk), Capability.CLINICAL, bangalore)


@pytest.mark.django_db
class TestFetchAndCheck:
    def test_it_answers_404_for_a_clinic_the_user_may_not_use(self, meera, bangalore):
        with pytest.raises(Http404):
            access_clinic(meera, bangalore.pk, Capability.CLINICAL)

    def test_it_returns_the_clinic_the_user_may_use(self, meera, hyderabad):
        assert access_clinic(meera, hyderabad.pk, Capability.CLINICAL) == hyderabad

    def test_a_record_for_either_clinic_is_open_to_anyone_with_the_capability(self, priya, neha):
        require(priya, Capability.ENQUIRIES, None)
        with pytest.raises(Http404):
            require(neha, Capability.ENQUIRIES, None)
