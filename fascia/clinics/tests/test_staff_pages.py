"""The staff pages at /app/staff/, through HTTP as administrators, managers and others use them."""

import datetime
import re
from urllib.parse import urlsplit

import pytest
from django.contrib.auth.models import Group
from django.contrib.auth.tokens import PasswordResetTokenGenerator

from fascia.accounts.models import AuditEvent, OrganisationRole, User
from fascia.clinics import events
from fascia.clinics.models import Membership, Role
from fascia.tests.html import messages_on, soup_of, text_of
from fascia.tests.personas import make_staff, signed_in

LIST_URL = "/app/staff/"
ADD_URL = "/app/staff/add/"
NEW_PASSWORD = "a fresh and long password"


def detail_url(member: User) -> str:
    return f"/app/staff/{member.pk}/"


def errors_on(response) -> str:
    return " ".join(soup_of(response).select_one(".error-summary").get_text(" ").split())


def listed_names(client) -> list[str]:
    soup = soup_of(client.get(LIST_URL))
    return [link.get_text(strip=True) for link in soup.select("table.staff tbody th a")]


def new_colleague(clinic, **overrides) -> dict:
    return {
        "first_name": "Divya",
        "last_name": "Menon",
        "email": "divya@fascia.example",
        "clinic": clinic.pk,
        "role": Role.FRONT_DESK,
        **overrides,
    }


def invitation_path(mail) -> str:
    link = re.search(r"https?://\S+/app/invitation/\S+/", mail.body).group(0)
    return urlsplit(link).path


def accept(client, path: str, password: str = NEW_PASSWORD):
    """Follow an invitation link as the invited person would, and set a password."""
    form_page = client.get(path, follow=True)
    return client.post(
        form_page.redirect_chain[-1][0] if form_page.redirect_chain else path,
        {"new_password1": password, "new_password2": password},
    )


@pytest.fixture
def sunita(bangalore):
    """A clinic manager of Bangalore only."""
    return make_staff("sunita", "Sunita Nair", memberships={bangalore: Role.CLINIC_MANAGER})


class TestStaffList:
    def test_an_administrator_sees_everyone(self, client, asha, priya, meera, neha, vikram):
        names = listed_names(signed_in(client, asha))
        for person in (asha, priya, meera, neha, vikram):
            assert str(person) in names

    def test_a_manager_sees_the_staff_of_their_clinics_and_their_roles_there(
        self, client, sunita, priya, arjun, meera, farah
    ):
        signed_in(client, sunita)
        assert set(listed_names(client)) == {"Sunita Nair", "Priya Rao", "Arjun Rao", "Farah Khan"}
        farah_row = soup_of(client.get(LIST_URL)).find("a", string="Farah Khan").find_parent("tr")
        assert "Clinic manager at Fascia Physiotherapy, Bangalore" in farah_row.get_text(" ")
        assert "Hyderabad" not in farah_row.get_text(" ")

    def test_it_shows_email_roles_and_whether_the_account_is_active(self, client, asha, farah):
        farah.is_active = False
        farah.save()
        row = soup_of(signed_in(client, asha).get(LIST_URL)).find("a", string="Farah Khan")
        row_text = " ".join(row.find_parent("tr").get_text(" ").split())
        assert "farah@fascia.example" in row_text
        assert "Clinic manager at Fascia Physiotherapy, Bangalore" in row_text
        assert "Clinic manager at Fascia Physiotherapy, Hyderabad" in row_text
        assert "Deactivated" in row_text

    @pytest.mark.parametrize("persona", ["vikram", "neha", "priya", "arjun", "meera"])
    def test_people_who_manage_no_staff_get_404(self, client, request, persona):
        signed_in(client, request.getfixturevalue(persona))
        assert client.get(LIST_URL).status_code == 404
        assert client.get(ADD_URL).status_code == 404

    def test_a_visitor_who_is_not_signed_in_is_sent_to_sign_in(self, client, db):
        response = client.get(LIST_URL)
        assert response.status_code == 302
        assert response["Location"].startswith("/app/login/")

    def test_a_manager_starts_on_the_start_page_and_an_administrator_on_the_staff_page(
        self, client, farah, asha
    ):
        assert signed_in(client, farah).get("/app/").status_code == 200
        assert signed_in(client, asha).get("/app/")["Location"] == LIST_URL

    def test_it_takes_as_many_queries_for_thirty_staff_as_for_three(
        self, client, asha, bangalore, hyderabad, django_assert_max_num_queries
    ):
        signed_in(client, asha)
        for n in range(3):
            make_staff(f"few{n}", f"Few {n}", memberships={bangalore: Role.FRONT_DESK})
        with django_assert_max_num_queries(20) as few:
            client.get(LIST_URL)
        for n in range(27):
            make_staff(
                f"many{n}",
                f"Many {n}",
                memberships={bangalore: Role.PHYSIOTHERAPIST, hyderabad: Role.FRONT_DESK},
            )
        with django_assert_max_num_queries(len(few.captured_queries)):
            assert len(listed_names(client)) == 31


class TestNavigation:
    def test_an_administrator_sees_staff_and_clinics_and_not_enquiries(self, client, asha):
        soup = soup_of(signed_in(client, asha).get(LIST_URL))
        assert [a.get_text(strip=True) for a in soup.select(".app-nav a")] == [
            "Staff",
            "Clinics",
            "Audit trail",
        ]
        assert soup.select_one(".app-brand")["href"] == "/app/"

    def test_a_manager_sees_enquiries_staff_and_clinics(self, client, farah):
        soup = soup_of(signed_in(client, farah).get(LIST_URL))
        assert [a.get_text(strip=True) for a in soup.select(".app-nav a")] == [
            "Start",
            "Patients",
            "Appointments",
            "Enquiries",
            "Staff",
            "Clinics",
            "Audit trail",
        ]

    def test_the_front_desk_sees_enquiries_and_not_staff(self, client, priya):
        soup = soup_of(signed_in(client, priya).get("/app/enquiries/"))
        assert [a.get_text(strip=True) for a in soup.select(".app-nav a")] == [
            "Start",
            "Patients",
            "Appointments",
            "Enquiries",
        ]


class TestAddStaffMember:
    def test_a_manager_adds_a_front_desk_colleague_who_sets_a_password_and_signs_in(
        self, client, farah, bangalore, mailoutbox
    ):
        response = signed_in(client, farah).post(ADD_URL, new_colleague(bangalore), follow=True)

        divya = User.objects.get(email="divya@fascia.example")
        assert messages_on(response) == ["Divya Menon was added and invited by email."]
        assert response.redirect_chain[-1][0] == detail_url(divya)
        assert divya.username == "divya@fascia.example"
        assert not divya.has_usable_password()
        assert list(divya.memberships.values_list("clinic", "role")) == [
            (bangalore.pk, Role.FRONT_DESK)
        ]
        assert [mail.to for mail in mailoutbox] == [["divya@fascia.example"]]
        path = invitation_path(mailoutbox[0])

        client.logout()
        response = accept(client, path)
        assert response.status_code == 302
        assert response["Location"] == "/app/login/"
        response = client.post(
            "/app/login/", {"username": "Divya@Fascia.Example", "password": NEW_PASSWORD}
        )
        assert response.status_code == 302
        assert client.get("/app/enquiries/").status_code == 200

        client.logout()
        reused = client.get(path, follow=True)
        assert "This link no longer works" in text_of(reused)
        divya.refresh_from_db()
        assert divya.check_password(NEW_PASSWORD)

    def test_the_clinics_offered_are_those_the_user_manages(self, client, sunita, hyderabad):
        soup = soup_of(signed_in(client, sunita).get(ADD_URL))
        options = [o.get_text(strip=True) for o in soup.select("select[name=clinic] option")]
        assert options == ["Choose a clinic", "Fascia Physiotherapy, Bangalore"]

    def test_a_manager_of_bangalore_cannot_add_a_colleague_to_hyderabad(
        self, client, sunita, hyderabad, mailoutbox
    ):
        users, events = User.objects.count(), AuditEvent.objects.count()

        response = signed_in(client, sunita).post(ADD_URL, new_colleague(hyderabad))

        assert "Select a valid choice" in errors_on(response)
        assert User.objects.count() == users
        assert AuditEvent.objects.count() == events
        assert mailoutbox == []

    def test_an_email_of_a_staff_member_in_another_case_is_refused_and_offers_them_the_role(
        self, client, farah, priya, hyderabad, mailoutbox
    ):
        users = User.objects.count()
        signed_in(client, farah)

        response = client.post(
            ADD_URL, new_colleague(hyderabad, email="PRIYA@Fascia.Example", first_name="Priya")
        )

        assert "already belongs to a staff account" in errors_on(response)
        assert User.objects.count() == users
        assert mailoutbox == []
        offer = soup_of(response).select_one("form.offer")
        assert "Give them the role Front desk at Fascia Physiotherapy, Hyderabad" in offer.get_text(
            " "
        )
        fields = {i["name"]: i.get("value") for i in offer.select("input") if i.get("name")}

        response = client.post(ADD_URL, fields, follow=True)

        assert response.redirect_chain[-1][0] == detail_url(priya)
        assert set(priya.memberships.values_list("clinic__slug", "role")) == {
            ("bangalore", Role.FRONT_DESK),
            ("hyderabad", Role.FRONT_DESK),
        }
        assert User.objects.count() == users

    def test_an_email_that_is_someones_username_is_refused(self, client, asha, bangalore):
        ravi = make_staff("ravi@fascia.example", "Ravi Kumar")
        User.objects.filter(pk=ravi.pk).update(email="ravi.kumar@elsewhere.example")
        users = User.objects.count()

        response = signed_in(client, asha).post(
            ADD_URL, new_colleague(bangalore, email="Ravi@fascia.example")
        )

        assert "already belongs to a staff account" in errors_on(response)
        assert User.objects.count() == users

    @pytest.mark.parametrize(
        "name",
        [
            "Divya\x00",
            "Div\x07ya",
            "Divya\nMenon",
            "Divya\u202eanem",
            "Di\u2028vya",
            "Divya\x1b[31m",
        ],
    )
    def test_control_characters_in_a_name_are_refused(self, client, farah, bangalore, name):
        users, events = User.objects.count(), AuditEvent.objects.count()

        response = signed_in(client, farah).post(ADD_URL, new_colleague(bangalore, last_name=name))

        assert "Last name" in errors_on(response)
        assert User.objects.count() == users
        assert AuditEvent.objects.count() == events

    def test_a_kannada_name_with_a_zero_width_joiner_is_accepted(self, client, farah, bangalore):
        name = "ರ\u200dಮ್ಯಾ"
        signed_in(client, farah).post(ADD_URL, new_colleague(bangalore, first_name=name))
        assert User.objects.get(email="divya@fascia.example").first_name == name

    def test_an_invalid_email_address_is_refused(self, client, farah, bangalore):
        users = User.objects.count()
        response = signed_in(client, farah).post(
            ADD_URL, new_colleague(bangalore, email="divya@@fascia")
        )
        assert "Email address" in errors_on(response)
        assert User.objects.count() == users

    def test_when_the_mail_server_fails_the_account_stays_and_the_invitation_can_be_resent(
        self, client, farah, bangalore, mailoutbox, monkeypatch
    ):
        def refuse(*args, **kwargs):
            raise ConnectionRefusedError

        monkeypatch.setattr("fascia.clinics.actions.send_mail", refuse)
        response = signed_in(client, farah).post(ADD_URL, new_colleague(bangalore), follow=True)
        divya = User.objects.get(email="divya@fascia.example")
        assert "could not be sent" in messages_on(response)[0]
        assert AuditEvent.objects.filter(
            action=events.STAFF_INVITATION_FAILED, target_id=str(divya.pk)
        ).exists()

        monkeypatch.undo()
        response = client.post(f"/app/staff/{divya.pk}/invitation/", follow=True)
        assert messages_on(response) == ["The invitation was sent again to divya@fascia.example."]
        assert len(mailoutbox) == 1


class TestInvitation:
    @pytest.fixture
    def invited(self, client, farah, bangalore, mailoutbox):
        signed_in(client, farah).post(ADD_URL, new_colleague(bangalore))
        client.logout()
        return User.objects.get(email="divya@fascia.example"), invitation_path(mailoutbox[0])

    def test_the_password_must_pass_the_password_rules(self, client, invited):
        member, path = invited
        response = accept(client, path, password="123")
        assert response.status_code == 200
        member.refresh_from_db()
        assert not member.has_usable_password()

    def test_accepting_is_audited(self, client, invited):
        member, path = invited
        accept(client, path)
        event = AuditEvent.objects.get(action=events.STAFF_INVITATION_ACCEPTED)
        assert (event.actor, event.target_id) == (member, str(member.pk))

    def test_the_link_stops_working_after_password_reset_timeout(
        self, client, invited, settings, monkeypatch
    ):
        _member, path = invited
        later = PasswordResetTokenGenerator()._now() + datetime.timedelta(
            seconds=settings.PASSWORD_RESET_TIMEOUT + 60
        )
        monkeypatch.setattr(PasswordResetTokenGenerator, "_now", lambda self: later)
        assert "This link no longer works" in text_of(client.get(path, follow=True))

    def test_a_deactivated_persons_link_does_not_work(self, client, invited):
        member, path = invited
        User.objects.filter(pk=member.pk).update(is_active=False)
        assert "This link no longer works" in text_of(client.get(path, follow=True))

    def test_a_forged_link_does_not_work(self, client, invited):
        _member, path = invited
        forged = re.sub(r"/[^/]+/$", "/abc-123/", path)
        assert "This link no longer works" in text_of(client.get(forged, follow=True))


class TestStaffMemberPage:
    def test_a_manager_gets_404_for_staff_outside_their_clinics(self, client, sunita, meera):
        signed_in(client, sunita)
        assert client.get(detail_url(meera)).status_code == 404
        assert client.get("/app/staff/999999/").status_code == 404
        assert client.post(f"/app/staff/{meera.pk}/deactivate/").status_code == 404
        meera.refresh_from_db()
        assert meera.is_active

    def test_a_manager_sees_only_their_clinics_memberships_of_someone(self, client, sunita, farah):
        page = text_of(signed_in(client, sunita).get(detail_url(farah)))
        assert "Clinic manager at Fascia Physiotherapy, Bangalore" in page
        assert "Hyderabad" not in page
        assert "Also has a role in 1 clinic you do not manage." in page

    def test_a_manager_gives_a_membership_and_takes_it_away(self, client, farah, arjun, hyderabad):
        signed_in(client, farah)
        response = client.post(
            f"/app/staff/{arjun.pk}/memberships/",
            {"clinic": hyderabad.pk, "role": Role.PHYSIOTHERAPIST},
            follow=True,
        )
        assert messages_on(response) == [
            "Arjun Rao is now Physiotherapist at Fascia Physiotherapy, Hyderabad."
        ]
        membership = Membership.objects.get(user=arjun, clinic=hyderabad)

        response = client.post(
            f"/app/staff/{arjun.pk}/memberships/{membership.pk}/revoke/", follow=True
        )
        assert messages_on(response) == [
            "Arjun Rao no longer has a role at Fascia Physiotherapy, Hyderabad."
        ]
        assert not Membership.objects.filter(user=arjun, clinic=hyderabad).exists()

    def test_taking_away_someones_last_role_goes_back_to_the_list(self, client, sunita, priya):
        membership = priya.memberships.get()
        response = signed_in(client, sunita).post(
            f"/app/staff/{priya.pk}/memberships/{membership.pk}/revoke/"
        )
        assert response["Location"] == LIST_URL
        assert client.get(detail_url(priya)).status_code == 404

    def test_a_manager_cannot_take_away_a_role_in_a_clinic_they_do_not_manage(
        self, client, sunita, farah, hyderabad
    ):
        membership = farah.memberships.get(clinic=hyderabad)
        response = signed_in(client, sunita).post(
            f"/app/staff/{farah.pk}/memberships/{membership.pk}/revoke/"
        )
        assert response.status_code == 404
        assert Membership.objects.filter(pk=membership.pk).exists()

    def test_a_manager_cannot_give_a_role_in_a_clinic_they_do_not_manage(
        self, client, sunita, priya, hyderabad
    ):
        response = signed_in(client, sunita).post(
            f"/app/staff/{priya.pk}/memberships/",
            {"clinic": hyderabad.pk, "role": Role.CLINIC_MANAGER},
            follow=True,
        )
        assert "Select a valid choice" in messages_on(response)[0]
        assert not priya.memberships.filter(clinic=hyderabad).exists()

    def test_a_manager_deactivates_a_colleague_who_can_then_no_longer_sign_in(
        self, client, farah, priya
    ):
        priya_client = signed_in(client.__class__(), priya)
        assert priya_client.get("/app/enquiries/").status_code == 200

        response = signed_in(client, farah).post(f"/app/staff/{priya.pk}/deactivate/", follow=True)

        assert messages_on(response) == [
            "Priya Rao's account is deactivated: they can no longer sign in."
        ]
        priya.refresh_from_db()
        assert not priya.is_active
        assert priya_client.get("/app/enquiries/").status_code == 302
        login = client.__class__().post(
            "/app/login/", {"username": "priya", "password": "a long test password"}
        )
        assert login.status_code == 200

        response = client.post(f"/app/staff/{priya.pk}/reactivate/", follow=True)
        assert messages_on(response) == ["Priya Rao's account is active again."]
        priya.refresh_from_db()
        assert priya.is_active

    def test_a_manager_cannot_deactivate_someone_with_a_role_in_another_clinic(
        self, client, sunita, farah
    ):
        signed_in(client, sunita)
        assert not soup_of(client.get(detail_url(farah))).select("form[action$='/deactivate/']")
        response = client.post(f"/app/staff/{farah.pk}/deactivate/", follow=True)
        assert messages_on(response) == ["You cannot deactivate this account."]
        farah.refresh_from_db()
        assert farah.is_active

    def test_a_manager_cannot_deactivate_an_administrator(self, client, farah, asha, bangalore):
        Membership.objects.create(user=asha, clinic=bangalore, role=Role.PHYSIOTHERAPIST)
        response = signed_in(client, farah).post(f"/app/staff/{asha.pk}/deactivate/", follow=True)
        assert messages_on(response) == ["You cannot deactivate this account."]
        asha.refresh_from_db()
        assert asha.is_active

    @pytest.mark.parametrize("persona", ["asha", "farah"])
    def test_nobody_deactivates_themselves(self, client, request, persona, bangalore):
        me = request.getfixturevalue(persona)
        Membership.objects.get_or_create(
            user=me, clinic=bangalore, defaults={"role": Role.CLINIC_MANAGER}
        )
        signed_in(client, me)
        page = soup_of(client.get(detail_url(me)))
        assert not page.select("form[action$='/deactivate/']")
        assert not page.select("form[action$='/memberships/']")
        response = client.post(f"/app/staff/{me.pk}/deactivate/", follow=True)
        assert messages_on(response) == ["You cannot deactivate this account."]
        me.refresh_from_db()
        assert me.is_active

    def test_an_administrator_deactivates_anyone(self, client, asha, farah):
        signed_in(client, asha).post(f"/app/staff/{farah.pk}/deactivate/")
        farah.refresh_from_db()
        assert not farah.is_active

    def test_only_an_administrator_sees_and_sets_the_organisation_role(self, client, farah, priya):
        signed_in(client, farah)
        assert not soup_of(client.get(detail_url(priya))).select("[name=organisation_role]")
        response = client.post(
            f"/app/staff/{priya.pk}/organisation-role/",
            {"organisation_role": OrganisationRole.ADMINISTRATOR},
            follow=True,
        )
        assert messages_on(response) == [
            "Only an administrator can change another person's organisation role."
        ]
        priya.refresh_from_db()
        assert priya.organisation_role == OrganisationRole.NONE

    def test_a_content_editor_gets_the_cms_and_loses_it_with_the_role(self, client, asha, vikram):
        signed_in(client, asha)
        response = client.post(
            f"/app/staff/{vikram.pk}/organisation-role/",
            {"organisation_role": OrganisationRole.CONTENT_EDITOR},
            follow=True,
        )
        assert messages_on(response) == ["Vikram Das's organisation role is now “Content editor”."]
        vikram = User.objects.get(pk=vikram.pk)
        assert list(vikram.groups.values_list("name", flat=True)) == ["Moderators"]
        assert vikram.has_perm("wagtailadmin.access_admin")
        cms = client.__class__()
        cms.force_login(vikram)
        assert cms.get("/cms/").status_code == 200
        # Wagtail's groups know nothing of Fascia's snippets and settings; a migration
        # lets content editors edit the symptoms and the organisation's contact details.
        assert cms.get("/cms/snippets/website/symptom/").status_code == 200
        assert cms.get("/cms/settings/website/clinicsettings/", follow=True).status_code == 200
        assert vikram.has_perm("website.change_clinicsettings")

        client.post(f"/app/staff/{vikram.pk}/organisation-role/", {"organisation_role": ""})
        vikram = User.objects.get(pk=vikram.pk)
        assert not vikram.groups.exists()
        assert not vikram.has_perm("wagtailadmin.access_admin")
        assert cms.get("/cms/").status_code == 302

    def test_an_administrator_cannot_change_their_own_organisation_role(self, client, asha):
        signed_in(client, asha)
        assert not soup_of(client.get(detail_url(asha))).select("[name=organisation_role]")
        client.post(f"/app/staff/{asha.pk}/organisation-role/", {"organisation_role": ""})
        asha.refresh_from_db()
        assert asha.is_administrator

    def test_the_cms_groups_are_wagtails_own(self, db):
        assert Group.objects.filter(name__in=["Editors", "Moderators"]).count() == 2
