"""The clinic records at /app/clinics/, through HTTP as administrators, managers and others
use them, and what the public website and the enquiry form then show."""

import datetime

import pytest
from django.test import Client

from fascia.accounts import audit
from fascia.accounts.models import AuditEvent
from fascia.clinics import events
from fascia.clinics.actions import ActionError, clinic_create, clinic_update
from fascia.clinics.hours import Stretch
from fascia.clinics.models import Clinic, OpeningHours, Role
from fascia.enquiries.tests.factories import EnquiryFactory
from fascia.tests.html import messages_on, soup_of, text_of
from fascia.tests.personas import make_staff, signed_in

LIST_URL = "/app/clinics/"
ADD_URL = "/app/clinics/add/"
ENQUIRE_URL = "/enquire/"
CHARACTERS_MESSAGE = "A phone number can only have digits, spaces, brackets, dashes and a + sign."


def detail_url(clinic: Clinic) -> str:
    return f"/app/clinics/{clinic.pk}/"


def error_links(response) -> dict[str, str]:
    """The error summary's entries, by the field each one links to."""
    summary = soup_of(response).select_one(".error-summary")
    assert summary is not None, "no error summary"
    return {
        link["href"]: " ".join(link.get_text(" ").split()) for link in summary.select("a[href]")
    }


def form_data(response) -> dict[str, str]:
    """What a browser would send from the page's clinic form, as it was shown."""
    form = soup_of(response).select_one("form.stack[novalidate]")
    data = {}
    for field in form.select("input[name], select[name], textarea[name]"):
        name = field["name"]
        if field.name == "select":
            chosen = field.select_one("option[selected]")
            data[name] = chosen["value"] if chosen else ""
        elif field.get("type") == "checkbox":
            if field.has_attr("checked"):
                data[name] = "on"
        else:
            data[name] = field.get("value", "")
    return data


def with_hours(data: dict[str, str], *rows: tuple[int, str, str], start: int = 0) -> dict:
    """`data` with `rows` (weekday, opens, closes) typed into the rows from `start` on."""
    for index, (weekday, opens, closes) in enumerate(rows, start=start):
        data |= {
            f"hours-{index}-weekday": str(weekday),
            f"hours-{index}-opens": opens,
            f"hours-{index}-closes": closes,
        }
    return data


def hours_of(clinic: Clinic) -> list[str]:
    return [str(row) for row in OpeningHours.objects.filter(clinic=clinic)]


def enquiry_form_choices(client) -> list[str]:
    soup = soup_of(client.get(ENQUIRE_URL))
    return [
        soup.select_one(f'label[for="{radio["id"]}"]').get_text(" ", strip=True)
        for radio in soup.select('input[name="clinic"]')
    ]


def clinic_events(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action, target_type="clinics.clinic"))


def mysuru(client) -> dict[str, str]:
    """A new clinic, typed into the add page as an administrator would."""
    data = form_data(client.get(ADD_URL))
    data |= {
        "name": "Fascia Physiotherapy, Mysuru",
        "slug": "mysuru",
        "city": "Mysuru",
        "street_address": "12 Chamundi Hill Road",
        "region": "Karnataka",
        "postal_code": "570010",
        "phone": "0821 245 6789",
        "whatsapp": "89510 47002",
        "email": "mysuru@fascia.example",
    }
    return with_hours(data, (0, "09:00", "13:00"), (0, "16:00", "20:00"), (5, "09:00", "13:00"))


@pytest.fixture
def anonymous() -> Client:
    """A visitor to the public website, beside the signed-in staff member's client."""
    return Client()


@pytest.fixture
def sunita(bangalore):
    """A clinic manager of Bangalore only."""
    return make_staff("sunita", "Sunita Nair", memberships={bangalore: Role.CLINIC_MANAGER})


class TestClinicList:
    def test_an_administrator_sees_every_clinic_with_city_phone_and_status(
        self, client, asha, bangalore, hyderabad
    ):
        Clinic.objects.filter(pk=hyderabad.pk).update(active=False)
        soup = soup_of(signed_in(client, asha).get(LIST_URL))
        rows = [" ".join(row.get_text(" ").split()) for row in soup.select("table tbody tr")]
        assert rows == [
            "Fascia Physiotherapy, Bangalore Bangalore +91 89510 47001 Active",
            "Fascia Physiotherapy, Hyderabad Hyderabad +91 89510 47001 Deactivated",
        ]
        assert soup.find("a", string="Add a clinic")["href"] == ADD_URL

    def test_a_manager_sees_their_active_clinics_and_cannot_add_one(self, client, farah, hyderabad):
        Clinic.objects.filter(pk=hyderabad.pk).update(active=False)
        soup = soup_of(signed_in(client, farah).get(LIST_URL))
        names = [link.get_text(strip=True) for link in soup.select("table tbody th a")]
        assert names == ["Fascia Physiotherapy, Bangalore"]
        assert soup.find("a", string="Add a clinic") is None
        assert client.get(ADD_URL).status_code == 404

    @pytest.mark.parametrize(
        ("persona", "links"),
        [
            ("asha", ["Staff", "Clinics", "Audit trail"]),
            (
                "farah",
                [
                    "Start",
                    "Patients",
                    "Appointments",
                    "Enquiries",
                    "Staff",
                    "Clinics",
                    "Audit trail",
                ],
            ),
        ],
    )
    def test_administrators_and_managers_find_it_in_the_navigation(
        self, client, request, persona, links
    ):
        soup = soup_of(signed_in(client, request.getfixturevalue(persona)).get(LIST_URL))
        assert [link.get_text(strip=True) for link in soup.select(".app-nav a")] == links
        assert soup.select_one('.app-nav a[aria-current="page"]').get_text() == "Clinics"

    @pytest.mark.parametrize("persona", ["priya", "neha", "vikram", "arjun", "meera"])
    def test_everyone_else_gets_404(self, client, request, persona, bangalore):
        signed_in(client, request.getfixturevalue(persona))
        for url in (LIST_URL, ADD_URL, detail_url(bangalore)):
            assert client.get(url).status_code == 404
        for url in (detail_url(bangalore), f"{detail_url(bangalore)}deactivate/"):
            assert client.post(url, {"phone": "080 4567 8901"}).status_code == 404
        assert bangalore.active
        assert not AuditEvent.objects.filter(target_type="clinics.clinic").exists()

    def test_a_visitor_who_is_not_signed_in_is_sent_to_sign_in(self, client, bangalore):
        response = client.get(detail_url(bangalore))
        assert response.status_code == 302
        assert response["Location"].startswith("/app/login/")


class TestAddClinic:
    def test_an_administrator_adds_a_clinic_with_hours_and_it_is_on_the_enquiry_form(
        self, client, asha, anonymous
    ):
        assert "Fascia Physiotherapy, Mysuru" not in enquiry_form_choices(anonymous)
        signed_in(client, asha)
        response = client.post(ADD_URL, mysuru(client), follow=True)
        assert messages_on(response) == ["Fascia Physiotherapy, Mysuru was added."]
        clinic = Clinic.objects.get(slug="mysuru")
        assert response.redirect_chain[-1][0] == detail_url(clinic)
        assert (clinic.phone.as_e164, clinic.whatsapp.as_e164) == ("+918212456789", "+918951047002")
        assert (clinic.time_zone, clinic.active) == ("Asia/Kolkata", True)
        assert hours_of(clinic) == [
            "Monday 09:00–13:00",
            "Monday 16:00–20:00",
            "Saturday 09:00–13:00",
        ]
        assert "Fascia Physiotherapy, Mysuru" in enquiry_form_choices(anonymous)
        [event] = clinic_events(events.CLINIC_CREATED)
        assert (event.actor, event.clinic_id, event.target_id) == (asha, clinic.pk, str(clinic.pk))

    def test_it_lists_every_mistake_linked_to_its_field_and_adds_nothing(self, client, asha):
        signed_in(client, asha)
        data = mysuru(client) | {"name": "", "phone": "12345", "time_zone": "Mars/Olympus"}
        data = with_hours(data, (2, "18:00", "09:00"), start=3)
        response = client.post(ADD_URL, data)
        errors = error_links(response)
        assert errors["#id_name"] == "Name: This field is required."
        assert errors["#id_phone"].startswith("Phone: This number is too short.")
        assert "#id_time_zone" in errors
        assert errors["#id_hours-3-closes"] == (
            "Opening hours, row 4, Closes: The clinic must close after it opens (18:00). For "
            "hours past midnight, add a second stretch on the next day from 00:00."
        )
        assert soup_of(response).select_one("#id_phone")["aria-invalid"] == "true"
        assert not Clinic.objects.filter(city="Mysuru").exists()

    def test_a_short_name_another_clinic_has_is_refused(self, client, asha):
        signed_in(client, asha)
        response = client.post(ADD_URL, mysuru(client) | {"slug": "bangalore"})
        assert errors_contain(response, "#id_slug", "already exists")
        assert Clinic.objects.count() == 2


def errors_contain(response, anchor: str, text: str) -> bool:
    return text in error_links(response).get(anchor, "")


class TestEditClinic:
    def test_a_changed_phone_number_is_on_the_clinic_page_at_the_next_request(
        self, client, asha, anonymous, bangalore
    ):
        anonymous.get("/clinics/bangalore/")
        assert anonymous.get("/clinics/bangalore/")["X-Page-Cache"] == "hit"

        signed_in(client, asha)
        data = form_data(client.get(detail_url(bangalore))) | {"phone": "080 4567 8901"}
        response = client.post(detail_url(bangalore), data, follow=True)
        assert messages_on(response) == ["The clinic's details are saved."]

        page = anonymous.get("/clinics/bangalore/")
        assert page["X-Page-Cache"] == "miss"
        assert "+91 80 4567 8901" in text_of(page)
        [event] = clinic_events(events.CLINIC_UPDATED)
        assert (event.actor, event.clinic_id, event.detail) == (
            asha,
            bangalore.pk,
            {"fields": ["phone"]},
        )

    @pytest.mark.parametrize(
        "typed",
        [
            "call the clinic",
            "98450 1234x",
            "98450\x0012345",
            "98450\x1f12345",
            "+91 98450 12345\u202e",
            '<script>alert("x")</script>',
        ],
    )
    def test_a_phone_number_with_letters_or_control_characters_is_refused_and_nothing_changes(
        self, client, asha, bangalore, typed
    ):
        signed_in(client, asha)
        data = form_data(client.get(detail_url(bangalore))) | {"phone": typed}
        response = client.post(detail_url(bangalore), data)
        assert error_links(response) == {"#id_phone": f"Phone: {CHARACTERS_MESSAGE}"}
        assert b"<script>alert" not in response.content
        bangalore.refresh_from_db()
        assert bangalore.phone.as_e164 == "+918951047001"
        assert not clinic_events(events.CLINIC_UPDATED)

    def test_a_name_with_control_characters_is_refused(self, client, asha, bangalore):
        signed_in(client, asha)
        data = form_data(client.get(detail_url(bangalore))) | {"name": "Fascia\u202e Clinic"}
        response = client.post(detail_url(bangalore), data)
        assert errors_contain(response, "#id_name", "no control characters")
        bangalore.refresh_from_db()
        assert bangalore.name == "Fascia Physiotherapy, Bangalore"

    def test_several_stretches_on_one_day_are_kept_and_shown_on_the_clinic_page(
        self, client, asha, anonymous, bangalore
    ):
        signed_in(client, asha)
        data = form_data(client.get(detail_url(bangalore)))
        for index in range(bangalore.opening_hours.count()):
            data[f"hours-{index}-DELETE"] = "on"
        data = with_hours(
            data,
            (0, "09:00", "13:00"),
            (0, "16:00", "20:00"),
            start=int(data["hours-INITIAL_FORMS"]),
        )
        client.post(detail_url(bangalore), data)
        assert hours_of(bangalore) == ["Monday 09:00–13:00", "Monday 16:00–20:00"]
        assert "Monday : 09:00–13:00, 16:00–20:00" in text_of(anonymous.get("/clinics/bangalore/"))
        [event] = clinic_events(events.CLINIC_UPDATED)
        assert event.detail == {"fields": ["opening_hours"]}

    def test_overlapping_stretches_on_the_same_day_are_refused(self, client, asha, bangalore):
        before = hours_of(bangalore)
        signed_in(client, asha)
        data = form_data(client.get(detail_url(bangalore)))
        start = int(data["hours-INITIAL_FORMS"])
        data = with_hours(data, (6, "09:00", "13:00"), (6, "12:30", "16:00"), start=start)
        response = client.post(detail_url(bangalore), data)
        assert error_links(response) == {
            f"#id_hours-{start + 1}-opens": (
                f"Opening hours, row {start + 2}, Opens: This overlaps Sunday 09:00–13:00. "
                "Stretches on the same day may not overlap."
            )
        }
        assert hours_of(bangalore) == before

    def test_saving_without_a_change_changes_and_records_nothing(self, client, asha, bangalore):
        signed_in(client, asha)
        response = client.post(
            detail_url(bangalore), form_data(client.get(detail_url(bangalore))), follow=True
        )
        assert messages_on(response) == ["Nothing was changed."]
        assert not clinic_events(events.CLINIC_UPDATED)

    def test_a_manager_changes_the_numbers_and_hours_of_their_clinic_but_not_its_name(
        self, client, farah, bangalore
    ):
        signed_in(client, farah)
        page = client.get(detail_url(bangalore))
        assert soup_of(page).select_one("#id_name") is None
        assert "Short name bangalore" in text_of(page)
        data = form_data(page) | {"whatsapp": "", "name": "Somewhere else", "active": ""}
        client.post(detail_url(bangalore), data)
        bangalore.refresh_from_db()
        assert (bangalore.name, bangalore.whatsapp, bangalore.active) == (
            "Fascia Physiotherapy, Bangalore",
            "",
            True,
        )
        [event] = clinic_events(events.CLINIC_UPDATED)
        assert (event.actor, event.detail) == (farah, {"fields": ["whatsapp"]})

    def test_a_manager_of_one_clinic_gets_404_for_another(self, client, sunita, hyderabad):
        signed_in(client, sunita)
        assert client.get(detail_url(hyderabad)).status_code == 404
        assert client.post(detail_url(hyderabad), {"phone": "080 4567 8901"}).status_code == 404

    def test_a_manager_cannot_deactivate_a_clinic(self, client, farah, bangalore):
        signed_in(client, farah)
        assert "Deactivate" not in text_of(client.get(detail_url(bangalore)))
        assert client.post(f"{detail_url(bangalore)}deactivate/").status_code == 404
        bangalore.refresh_from_db()
        assert bangalore.active


class TestDeactivateClinic:
    def test_a_deactivated_clinic_leaves_the_enquiry_form_and_its_memberships_give_no_rights(
        self, client, asha, farah, meera, anonymous, hyderabad
    ):
        enquiry = EnquiryFactory(clinic=hyderabad)
        assert "Fascia Physiotherapy, Hyderabad" in enquiry_form_choices(anonymous)

        response = signed_in(client, asha).post(f"{detail_url(hyderabad)}deactivate/", follow=True)
        assert messages_on(response)[0].startswith("Fascia Physiotherapy, Hyderabad is deactivated")
        assert "Fascia Physiotherapy, Hyderabad" not in enquiry_form_choices(anonymous)

        # Meera's only clinic is closed: she has no place in the staff area.
        assert signed_in(client, meera).get("/app/enquiries/").status_code == 404
        # Farah still manages Bangalore, but nothing of Hyderabad's: the clinic's page,
        # its enquiries (kept, with their clinic) and its staff are out of reach.
        signed_in(client, farah)
        assert client.get(detail_url(hyderabad)).status_code == 404
        assert enquiry.reference not in text_of(client.get("/app/enquiries/"))
        assert client.get(f"/app/enquiries/{enquiry.reference}/").status_code == 404
        enquiry.refresh_from_db()
        assert enquiry.clinic == hyderabad

        # The administrator still sees it, and reactivating gives everything back.
        response = signed_in(client, asha).post(f"{detail_url(hyderabad)}reactivate/", follow=True)
        assert messages_on(response) == ["Fascia Physiotherapy, Hyderabad is active again."]
        assert "Fascia Physiotherapy, Hyderabad" in enquiry_form_choices(anonymous)
        assert enquiry.reference in text_of(signed_in(client, farah).get("/app/enquiries/"))

        assert [event.action for event in audit.events_for(hyderabad)] == [
            events.CLINIC_DEACTIVATED,
            events.CLINIC_REACTIVATED,
        ]
        assert all(event.actor == asha for event in audit.events_for(hyderabad))
        assert audit.verify().intact

    def test_an_administrator_can_still_open_and_change_a_deactivated_clinic(
        self, client, asha, hyderabad
    ):
        signed_in(client, asha).post(f"{detail_url(hyderabad)}deactivate/")
        page = client.get(detail_url(hyderabad))
        assert "This clinic is deactivated" in text_of(page)
        client.post(detail_url(hyderabad), form_data(page) | {"email": "closed@fascia.example"})
        hyderabad.refresh_from_db()
        assert (hyderabad.email, hyderabad.active) == ("closed@fascia.example", False)

    def test_deactivating_twice_says_so_and_records_it_once(self, client, asha, hyderabad):
        signed_in(client, asha)
        client.post(f"{detail_url(hyderabad)}deactivate/", follow=True)
        response = client.post(f"{detail_url(hyderabad)}deactivate/", follow=True)
        assert messages_on(response) == ["This clinic is already deactivated."]
        assert len(clinic_events(events.CLINIC_DEACTIVATED)) == 1


class TestClinicActions:
    """The actions refuse on their own what the pages never offer."""

    def test_a_manager_cannot_change_a_clinics_name(self, farah, bangalore):
        with pytest.raises(ActionError):
            clinic_update(clinic=bangalore, details={"name": "Elsewhere"}, by=farah)
        bangalore.refresh_from_db()
        assert bangalore.name == "Fascia Physiotherapy, Bangalore"

    def test_overlapping_or_backwards_hours_are_refused(self, asha, bangalore):
        nine, one, two = datetime.time(9), datetime.time(13), datetime.time(14)
        for hours in (
            [Stretch(0, nine, two), Stretch(0, one, two)],
            [Stretch(0, nine, two), Stretch(0, nine, two)],
            [Stretch(1, two, nine)],
        ):
            with pytest.raises(ActionError):
                clinic_update(clinic=bangalore, details={}, hours=hours, by=asha)
        assert not clinic_events(events.CLINIC_UPDATED)

    def test_only_an_administrator_adds_a_clinic(self, farah):
        with pytest.raises(ActionError):
            clinic_create(details={"name": "Mysuru", "slug": "mysuru"}, hours=[], by=farah)
        assert not Clinic.objects.filter(slug="mysuru").exists()
