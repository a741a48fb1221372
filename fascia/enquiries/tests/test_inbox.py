"""The staff inbox at /app/enquiries/, through HTTP as staff and others use it."""

import csv
import datetime
import io
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from fascia.accounts.models import AuditEvent
from fascia.enquiries.actions import (
    ErasureReason,
    enquiry_add_note,
    enquiry_change_status,
    enquiry_erase,
    enquiry_submit,
)
from fascia.enquiries.export import neutralise
from fascia.enquiries.models import Enquiry, Note, PhoneKind, PreferredTime, Status
from fascia.tests.html import messages_on, soup_of

from .factories import EnquiryFactory, NoteFactory, UserFactory

LIST_URL = "/app/enquiries/"
EXPORT_URL = "/app/enquiries/export.csv"
INDIA = ZoneInfo("Asia/Kolkata")
SCRIPT = '<script>alert("x")</script>'
ESCAPED_SCRIPT = "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;"


def detail_url(enquiry: Enquiry) -> str:
    return reverse("inbox:detail", args=[enquiry.reference])


def listed_references(client, query: str = "") -> list[str]:
    soup = soup_of(client.get(LIST_URL + query))
    return [cell.get_text(strip=True) for cell in soup.select("table.enquiries tbody th")]


def at_india(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=INDIA)


def csv_rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


@pytest.mark.django_db
class TestAccess:
    @pytest.mark.parametrize("suffix", ["", "export.csv", "{ref}/", "{ref}/erase/"])
    def test_it_sends_an_anonymous_visitor_to_the_login_page(self, client, suffix):
        enquiry = EnquiryFactory()
        url = LIST_URL + suffix.format(ref=enquiry.reference)
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"] == f"/app/login/?next={url}"

    @pytest.mark.parametrize("suffix", ["", "export.csv", "{ref}/", "{ref}/erase/"])
    def test_it_pretends_nothing_is_there_for_a_signed_in_non_staff_user(
        self, outsider_client, suffix
    ):
        enquiry = EnquiryFactory()
        response = outsider_client.get(LIST_URL + suffix.format(ref=enquiry.reference))
        assert response.status_code == 404
        assert enquiry.reference.encode() not in response.content
        assert not AuditEvent.objects.filter(action__in=["enquiry.viewed", "enquiry.exported"])

    def test_a_non_staff_user_gets_the_same_answer_for_a_reference_that_does_not_exist(
        self, outsider_client
    ):
        enquiry = EnquiryFactory()
        real = outsider_client.get(detail_url(enquiry))
        made_up = outsider_client.get(f"{LIST_URL}ZZZZZZ/")
        assert real.status_code == made_up.status_code == 404

    @pytest.mark.parametrize(
        ("suffix", "data"),
        [
            ("status/", {"status": Status.CONTACTED}),
            ("notes/", {"text": "A note"}),
            ("erase/", {}),
        ],
    )
    def test_a_non_staff_user_cannot_change_anything(self, outsider_client, suffix, data):
        enquiry = EnquiryFactory()
        response = outsider_client.post(f"{detail_url(enquiry)}{suffix}", data)
        assert response.status_code == 404
        enquiry.refresh_from_db()
        assert (enquiry.status, enquiry.erased_at) == (Status.NEW, None)
        assert not Note.objects.exists()
        assert not AuditEvent.objects.exists()

    def test_staff_get_404_for_an_unknown_reference(self, staff_client):
        assert staff_client.get(f"{LIST_URL}ZZZZZZ/").status_code == 404

    def test_staff_pages_are_never_stored_by_a_browser(self, staff_client):
        response = staff_client.get(LIST_URL)
        assert response["Cache-Control"] == "private, no-store"


@pytest.mark.django_db
class TestList:
    def test_it_shows_how_many_enquiries_are_in_each_status(self, staff_client):
        EnquiryFactory.create_batch(3)
        EnquiryFactory(status=Status.CONTACTED)
        EnquiryFactory.create_batch(2, status=Status.SPAM)
        soup = soup_of(staff_client.get(LIST_URL))
        counts = {
            link["href"]: link.select_one(".count__number").get_text(strip=True)
            for link in soup.select(".counts a")
        }
        assert counts["?status=new"] == "3"
        assert counts["?status=contacted"] == "1"
        assert counts["?status=spam"] == "2"
        assert counts["?status=booked"] == "0"

    def test_it_lists_the_newest_first(self, staff_client):
        old = EnquiryFactory(created_at=at_india(2026, 11, 1, 9, 0))
        new = EnquiryFactory(created_at=at_india(2026, 11, 3, 9, 0))
        middle = EnquiryFactory(created_at=at_india(2026, 11, 2, 9, 0))
        assert listed_references(staff_client) == [new.reference, middle.reference, old.reference]

    def test_it_hides_spam_unless_spam_is_asked_for(self, staff_client):
        kept = EnquiryFactory()
        spam = EnquiryFactory(status=Status.SPAM, spam_reason="honeypot")
        assert listed_references(staff_client) == [kept.reference]
        assert listed_references(staff_client, "?status=spam") == [spam.reference]

    def test_it_filters_by_status(self, staff_client):
        EnquiryFactory()
        booked = EnquiryFactory(status=Status.BOOKED)
        assert listed_references(staff_client, "?status=booked") == [booked.reference]

    def test_it_filters_by_clinic(self, staff_client, bangalore, hyderabad):
        in_bangalore = EnquiryFactory(clinic=bangalore)
        in_hyderabad = EnquiryFactory(clinic=hyderabad)
        either = EnquiryFactory(clinic=None)
        assert listed_references(staff_client, f"?clinic={bangalore.pk}") == [
            in_bangalore.reference
        ]
        assert listed_references(staff_client, f"?clinic={hyderabad.pk}") == [
            in_hyderabad.reference
        ]
        assert listed_references(staff_client, "?clinic=either") == [either.reference]

    def test_its_filters_are_a_labelled_group(self, staff_client):
        soup = soup_of(staff_client.get(LIST_URL))
        group = soup.select_one("form[role=search] fieldset")
        assert group.legend.get_text(strip=True) == "Find enquiries"
        labels = [label.get_text(strip=True) for label in group.select("label")]
        assert labels == [
            "Status",
            "Clinic",
            "Received from",
            "Received to",
            "Name, phone or reference",
            "Assigned to",
            "Order",
            "Only overdue call backs",
        ]
        for label in group.select("label"):
            assert group.select_one(f"#{label['for']}")

    def test_it_offers_the_active_clinics_and_either_clinic(
        self, staff_client, bangalore, hyderabad
    ):
        hyderabad.active = False
        hyderabad.save()
        soup = soup_of(staff_client.get(LIST_URL))
        options = [option.get_text(strip=True) for option in soup.select("#id_clinic option")]
        assert options == ["Any", "Either clinic (no preference given)", bangalore.name]

    def test_it_filters_by_the_local_date_in_india(self, staff_client):
        # 23:30 in India on 2 November is still 2 November, though 18:00 UTC;
        # 00:30 in India on 3 November is 19:00 UTC on 2 November, yet belongs to the 3rd.
        late_on_the_2nd = EnquiryFactory(created_at=at_india(2026, 11, 2, 23, 30))
        early_on_the_3rd = EnquiryFactory(created_at=at_india(2026, 11, 3, 0, 30))
        late_on_the_3rd = EnquiryFactory(created_at=at_india(2026, 11, 3, 23, 59))
        EnquiryFactory(created_at=at_india(2026, 11, 4, 0, 0))
        on_the_3rd = "?received_from=2026-11-03&received_to=2026-11-03"
        assert listed_references(staff_client, on_the_3rd) == [
            late_on_the_3rd.reference,
            early_on_the_3rd.reference,
        ]
        assert listed_references(staff_client, "?received_to=2026-11-02") == [
            late_on_the_2nd.reference
        ]

    def test_it_explains_a_date_range_that_ends_before_it_starts(self, staff_client):
        EnquiryFactory(created_at=at_india(2026, 11, 3, 10, 0))
        response = staff_client.get(LIST_URL + "?received_from=2026-11-05&received_to=2026-11-01")
        soup = soup_of(response)
        assert "before the “from” date" in soup.select_one(".field--received_to").get_text()
        assert soup.select_one("#id_received_to")["aria-invalid"] == "true"

    def test_it_finds_an_enquiry_by_name(self, staff_client):
        kavya = EnquiryFactory(name="Kavya Reddy")
        EnquiryFactory(name="Ravi Kumar")
        assert listed_references(staff_client, "?search=kavya") == [kavya.reference]

    @pytest.mark.parametrize(
        "typed", ["89510 47001", "8951047001", "089510-47001", "+91 89510 47001", "47001"]
    )
    def test_it_finds_an_enquiry_by_the_digits_of_its_phone_number(self, staff_client, typed):
        kavya = EnquiryFactory(phone="+918951047001")
        EnquiryFactory(phone="+919845012345")
        assert listed_references(staff_client, f"?search={typed}") == [kavya.reference]

    def test_it_finds_an_enquiry_by_its_reference_and_not_by_the_digits_in_it(self, staff_client):
        kavya = EnquiryFactory(reference="Q8ZWKN")
        EnquiryFactory(phone="+918951047001")
        assert listed_references(staff_client, "?search=q8zwkn") == [kavya.reference]

    def test_it_shows_each_enquiry_with_what_a_caller_needs(self, staff_client, bangalore):
        EnquiryFactory(
            name="Kavya Reddy",
            phone="+918951047001",
            clinic=bangalore,
            preferred_time=PreferredTime.EVENING,
            created_at=at_india(2026, 11, 3, 18, 5),
        )
        soup = soup_of(staff_client.get(LIST_URL))
        row = {
            cell["data-label"]: cell.get_text(" ", strip=True)
            for cell in soup.select("tbody tr > *")
        }
        del row["Reference"], row["Calls"]
        assert row == {
            "Name": "Kavya Reddy A deep ache in the left buttock after long meetings.",
            "Phone": "089510 47001 Mobile Call Kavya Reddy WhatsApp Kavya Reddy",
            "Call back by": "Not set Evening (4 pm to 8 pm)",
            "Status": "New",
            "Assigned to": "No one",
            "Clinic": bangalore.name,
            "Received": "3 Nov 2026, 18:05",
        }

    def test_it_shows_a_number_from_abroad_in_international_form(self, staff_client):
        EnquiryFactory(phone="+442079460958", phone_kind=PhoneKind.LANDLINE)
        soup = soup_of(staff_client.get(LIST_URL))
        assert "+44 20 7946 0958" in soup.select_one("tbody").get_text()

    def test_it_marks_a_landline_as_a_landline(self, staff_client):
        EnquiryFactory(phone="+918023456789", phone_kind=PhoneKind.LANDLINE)
        soup = soup_of(staff_client.get(LIST_URL))
        tag = soup.select_one("tbody .tag--landline")
        assert tag.get_text(strip=True) == "Landline"

    def test_it_shows_either_clinic_when_none_was_chosen(self, staff_client):
        EnquiryFactory(clinic=None)
        soup = soup_of(staff_client.get(LIST_URL))
        assert "Either clinic" in soup.select_one("tbody").get_text()

    def test_it_shows_an_erased_enquiry_as_erased(self, staff_client, farah):
        enquiry = EnquiryFactory(name="Kavya Reddy")
        enquiry_erase(enquiry=enquiry, by=farah, reason="request")
        soup = soup_of(staff_client.get(LIST_URL + "?status=closed"))
        assert soup.select_one("tbody .erased").get_text(strip=True) == "(erased)"
        assert "Kavya" not in soup.get_text()

    def test_it_shows_25_enquiries_a_page_and_keeps_the_filters_in_the_page_links(
        self, staff_client, bangalore
    ):
        start = at_india(2026, 11, 1, 9, 0)
        enquiries = [
            EnquiryFactory(clinic=bangalore, created_at=start + datetime.timedelta(minutes=n))
            for n in range(30)
        ]
        EnquiryFactory(clinic=None)
        query = f"?clinic={bangalore.pk}&search=Visitor"
        first = soup_of(staff_client.get(LIST_URL + query))
        assert len(first.select("tbody tr")) == 25
        next_link = first.select_one(".pagination a[rel=next]")["href"]
        assert next_link == f"?clinic={bangalore.pk}&search=Visitor&page=2"
        second = listed_references(staff_client, next_link)
        assert second == [enquiry.reference for enquiry in reversed(enquiries[:5])]

    def test_its_export_link_carries_the_filters(self, staff_client):
        EnquiryFactory()
        soup = soup_of(staff_client.get(LIST_URL + "?status=new&search=Visitor&page=1"))
        link = soup.find("a", href=lambda href: href and href.startswith(EXPORT_URL))
        assert link["href"] == f"{EXPORT_URL}?status=new&search=Visitor"

    def test_its_number_of_queries_does_not_grow_with_the_rows(self, staff_client, bangalore):
        def queries() -> int:
            with CaptureQueriesContext(connection) as context:
                assert staff_client.get(LIST_URL).status_code == 200
            return len(context.captured_queries)

        for _n in range(5):
            EnquiryFactory(clinic=bangalore)
        staff_client.get(LIST_URL)
        with_5 = queries()
        for _n in range(25):
            EnquiryFactory(clinic=bangalore)
        with_30 = queries()
        assert with_5 == with_30


@pytest.mark.django_db
class TestDetail:
    def test_it_shows_everything_that_was_sent(self, staff_client, bangalore):
        enquiry = EnquiryFactory(
            name="Kavya Reddy",
            phone="+918951047001",
            email="kavya@example.com",
            clinic=bangalore,
            preferred_time=PreferredTime.EVENING,
            message="Ache in the left buttock\nworse when driving.",
            consent_version="2026-01",
            created_at=at_india(2026, 11, 3, 18, 5),
        )
        soup = soup_of(staff_client.get(detail_url(enquiry)))
        facts = {
            item.dt.get_text(strip=True): item.dd.get_text(" ", strip=True)
            for item in soup.select("dl.facts > div")
        }
        assert facts == {
            "Name": "Kavya Reddy",
            "Phone": "089510 47001 Mobile",
            "Email": "kavya@example.com",
            "Preferred clinic": bangalore.name,
            "Preferred time to call": "Evening (4 pm to 8 pm)",
            "What they need help with": "Ache in the left buttock worse when driving.",
            "Sent from": "Dry needling for piriformis syndrome",
            "Privacy notice agreed to": "2026-01",
            "Received": "3 Nov 2026, 18:05",
        }
        assert soup.select_one("a[href^='tel:']")["href"] == "tel:+918951047001"
        source = soup.find("a", string="Dry needling for piriformis syndrome")
        assert source["href"] == "/treatments/dry-needling-for-piriformis-syndrome/"

    def test_it_shows_why_an_enquiry_was_judged_spam(self, staff_client):
        enquiry = EnquiryFactory(status=Status.SPAM, spam_reason="filled the hidden field")
        soup = soup_of(staff_client.get(detail_url(enquiry)))
        assert "filled the hidden field" in soup.select_one("dl.facts").get_text()

    @pytest.mark.parametrize("url", ["javascript:alert(1)", "https://elsewhere.example/page/"])
    def test_it_does_not_link_to_a_sent_from_address_outside_the_site(self, staff_client, url):
        enquiry = EnquiryFactory(source_url=url)
        soup = soup_of(staff_client.get(detail_url(enquiry)))
        assert not soup.select(f'a[href="{url}"]')
        assert url in soup.select_one("dl.facts").get_text()

    def test_it_records_that_a_staff_member_read_it(self, staff_client, farah):
        enquiry = EnquiryFactory()
        staff_client.get(detail_url(enquiry))
        viewed = AuditEvent.objects.get(action="enquiry.viewed")
        assert (viewed.actor, viewed.target_id) == (farah, str(enquiry.pk))

    def test_its_history_shows_what_happened_but_not_who_read_it(self, staff_client, farah):
        enquiry, _created = enquiry_submit(
            idempotency_key="history",
            name="Kavya Reddy",
            phone="+918951047001",
            phone_kind=PhoneKind.MOBILE,
            email="",
            clinic=None,
            preferred_time=PreferredTime.EVENING,
            message="Buttock pain",
            source_page=None,
            source_url="/",
            consent_version="2026-01",
        )
        staff_client.get(detail_url(enquiry))
        soup = soup_of(staff_client.get(detail_url(enquiry)))
        entries = [item.get_text(" ", strip=True) for item in soup.select(".timeline li")]
        assert len(entries) == 1
        assert entries[0].startswith("Received from the website")
        assert entries[0].endswith("the website")
        assert AuditEvent.objects.filter(action="enquiry.viewed").count() == 2


@pytest.mark.django_db
class TestStatusChange:
    def test_it_offers_only_the_moves_allowed_from_the_current_status(self, staff_client):
        enquiry = EnquiryFactory(status=Status.CONTACTED)
        soup = soup_of(staff_client.get(detail_url(enquiry)))
        offered = [radio["value"] for radio in soup.select("input[name=status]")]
        assert offered == [Status.BOOKED, Status.NOT_SUITABLE, Status.CLOSED]

    def test_it_records_who_changed_it_and_shows_it_in_the_history(self, staff_client, farah):
        enquiry = EnquiryFactory()
        response = staff_client.post(
            reverse("inbox:status", args=[enquiry.reference]),
            {"status": Status.CONTACTED},
            follow=True,
        )
        enquiry.refresh_from_db()
        assert enquiry.status == Status.CONTACTED
        event = AuditEvent.objects.get(action="enquiry.status_changed")
        assert (event.actor, event.detail) == (farah, {"from": "new", "to": "contacted"})
        assert response.redirect_chain == [(detail_url(enquiry), 302)]
        assert messages_on(response) == ["Marked “Contacted”."]
        history = soup_of(response).select_one(".timeline").get_text(" ", strip=True)
        assert "Status changed from “New” to “Contacted”" in history
        assert "Farah Khan" in history

    def test_it_refuses_a_move_that_is_not_allowed_and_changes_nothing(self, staff_client):
        enquiry = EnquiryFactory()
        response = staff_client.post(
            reverse("inbox:status", args=[enquiry.reference]),
            {"status": Status.BOOKED},
            follow=True,
        )
        enquiry.refresh_from_db()
        assert enquiry.status == Status.NEW
        assert not AuditEvent.objects.filter(action="enquiry.status_changed").exists()
        assert messages_on(response) == ["An enquiry that is “New” cannot be marked “Booked”."]
        assert soup_of(response).select_one(".message--error[role=alert]")

    def test_it_refuses_a_status_that_does_not_exist(self, staff_client):
        enquiry = EnquiryFactory()
        response = staff_client.post(
            reverse("inbox:status", args=[enquiry.reference]), {"status": "deleted"}, follow=True
        )
        enquiry.refresh_from_db()
        assert enquiry.status == Status.NEW
        assert messages_on(response) == ["Choose one of the statuses offered."]

    def test_it_only_accepts_a_post(self, staff_client):
        enquiry = EnquiryFactory()
        response = staff_client.get(reverse("inbox:status", args=[enquiry.reference]))
        assert response.status_code == 405


@pytest.mark.django_db
class TestNotes:
    def test_it_adds_a_note_with_its_author_to_the_history(self, staff_client, farah):
        enquiry = EnquiryFactory()
        response = staff_client.post(
            reverse("inbox:note", args=[enquiry.reference]),
            {"text": "Called back; she prefers Saturdays."},
            follow=True,
        )
        note = Note.objects.get()
        assert (note.enquiry, note.author, note.text) == (
            enquiry,
            farah,
            "Called back; she prefers Saturdays.",
        )
        assert messages_on(response) == ["Note added."]
        entry = soup_of(response).select_one(".timeline__entry--enquirynote_added")
        assert "Called back; she prefers Saturdays." in entry.select_one(".note").get_text()
        assert "Farah Khan" in entry.get_text()

    def test_it_refuses_an_empty_note(self, staff_client):
        enquiry = EnquiryFactory()
        response = staff_client.post(
            reverse("inbox:note", args=[enquiry.reference]), {"text": "   "}, follow=True
        )
        assert not Note.objects.exists()
        assert messages_on(response) == ["Write the note before adding it."]


@pytest.mark.django_db
class TestEscaping:
    @pytest.mark.parametrize("field", ["name", "message", "source_title", "spam_reason"])
    def test_a_field_sent_from_the_website_is_shown_as_text_on_the_detail_page(
        self, staff_client, field
    ):
        enquiry = EnquiryFactory(**{field: SCRIPT})
        content = staff_client.get(detail_url(enquiry)).content.decode()
        assert SCRIPT not in content
        assert ESCAPED_SCRIPT in content

    def test_the_title_and_address_of_a_page_elsewhere_are_shown_as_text(self, staff_client):
        enquiry = EnquiryFactory(source_title=SCRIPT, source_url=f"https://x.example/{SCRIPT}")
        content = staff_client.get(detail_url(enquiry)).content.decode()
        assert SCRIPT not in content
        assert content.count(ESCAPED_SCRIPT) == 2

    def test_a_name_is_shown_as_text_on_the_erase_page(self, staff_client):
        enquiry = EnquiryFactory(name=SCRIPT)
        response = staff_client.get(reverse("inbox:erase", args=[enquiry.reference]))
        content = response.content.decode()
        assert SCRIPT not in content
        assert ESCAPED_SCRIPT in content

    def test_a_name_is_shown_as_text_in_the_list(self, staff_client):
        EnquiryFactory(name=SCRIPT)
        content = staff_client.get(LIST_URL).content.decode()
        assert SCRIPT not in content
        assert ESCAPED_SCRIPT in content

    def test_a_note_is_shown_as_text(self, staff_client, farah):
        enquiry = EnquiryFactory()
        enquiry_add_note(enquiry=enquiry, text=SCRIPT, by=farah)
        content = staff_client.get(detail_url(enquiry)).content.decode()
        assert SCRIPT not in content
        assert ESCAPED_SCRIPT in content

    def test_a_staff_members_name_is_shown_as_text(self, staff_client):
        colleague = UserFactory(first_name=SCRIPT, last_name="", is_staff=True)
        enquiry = EnquiryFactory()
        enquiry_change_status(enquiry=enquiry, status=Status.CONTACTED, by=colleague)
        content = staff_client.get(detail_url(enquiry)).content.decode()
        assert SCRIPT not in content
        assert ESCAPED_SCRIPT in content


@pytest.mark.django_db
class TestExport:
    def test_it_exports_only_the_rows_the_filters_select(self, staff_client, bangalore):
        wanted = EnquiryFactory(clinic=bangalore, name="Kavya Reddy")
        EnquiryFactory(clinic=None, name="Kavya Menon")
        EnquiryFactory(clinic=bangalore, name="Ravi Kumar")
        EnquiryFactory(clinic=bangalore, name="Kavya Spam", status=Status.SPAM)
        response = staff_client.get(f"{EXPORT_URL}?clinic={bangalore.pk}&search=kavya")
        rows = csv_rows(response)
        assert rows[0][:5] == ["Reference", "Received", "Status", "Name", "Phone"]
        assert [row[0] for row in rows[1:]] == [wanted.reference]

    def test_it_is_a_csv_attachment_named_with_the_date(self, staff_client, monkeypatch):
        monkeypatch.setattr(
            "django.utils.timezone.localdate", lambda *args, **kwargs: datetime.date(2026, 11, 3)
        )
        response = staff_client.get(EXPORT_URL)
        assert response["Content-Type"] == "text/csv; charset=utf-8"
        assert response["Content-Disposition"] == 'attachment; filename="enquiries-2026-11-03.csv"'

    def test_it_writes_each_field_of_a_row(self, staff_client, hyderabad):
        enquiry = EnquiryFactory(
            name="Ravi Kumar",
            phone="+914023456789",
            phone_kind=PhoneKind.LANDLINE,
            email="ravi@example.com",
            clinic=hyderabad,
            preferred_time=PreferredTime.MORNING,
            created_at=at_india(2026, 11, 3, 18, 5),
        )
        row = csv_rows(staff_client.get(EXPORT_URL))[1]
        assert row == [
            enquiry.reference,
            "2026-11-03 18:05",
            "New",
            "Ravi Kumar",
            "'+914023456789",
            "Landline",
            "ravi@example.com",
            hyderabad.name,
            "Morning (9 am to 12 noon)",
            "Dry needling for piriformis syndrome",
            "",
            "",
        ]

    @pytest.mark.parametrize(
        ("name", "written"),
        [
            (
                '=HYPERLINK("https://evil.example","Click")',
                '\'=HYPERLINK("https://evil.example","Click")',
            ),
            ("+1+cmd|' /C calc'!A0", "'+1+cmd|' /C calc'!A0"),
            ("-2+3", "'-2+3"),
            ("@SUM(A1:A9)", "'@SUM(A1:A9)"),
            (SCRIPT, SCRIPT),
            ("Kavya Reddy", "Kavya Reddy"),
        ],
    )
    def test_it_neutralises_a_cell_a_spreadsheet_would_run(self, staff_client, name, written):
        EnquiryFactory(name=name)
        row = csv_rows(staff_client.get(EXPORT_URL))[1]
        assert row[3] == written

    @pytest.mark.parametrize(
        ("value", "written"),
        [("\tcmd", "'\tcmd"), ("\rcmd", "'\rcmd"), ("a=b", "a=b"), ("", ""), ("'x", "'x")],
    )
    def test_it_neutralises_a_leading_tab_or_carriage_return(self, value, written):
        assert neutralise(value) == written

    def test_it_records_who_exported_what(self, staff_client, farah):
        first = EnquiryFactory(created_at=at_india(2026, 11, 2, 9, 0))
        second = EnquiryFactory(created_at=at_india(2026, 11, 3, 9, 0))
        staff_client.get(f"{EXPORT_URL}?status=new&received_from=2026-11-01&search=Visitor")
        event = AuditEvent.objects.get(action="enquiry.exported")
        assert event.actor == farah
        assert event.target_type == "enquiries.enquiry"
        assert event.detail == {
            "filters": {"status": "new", "received_from": "2026-11-01", "search": True},
            "rows": 2,
            "references": [second.reference, first.reference],
        }


@pytest.mark.django_db
class TestErase:
    def test_it_asks_for_confirmation_and_says_what_is_removed_and_kept(self, staff_client):
        enquiry = EnquiryFactory(name="Kavya Reddy")
        soup = soup_of(staff_client.get(reverse("inbox:erase", args=[enquiry.reference])))
        headings = [h2.get_text(strip=True) for h2 in soup.select("main h2")]
        assert headings == ["What is removed", "What is kept"]
        assert soup.select_one(
            f"form[method=post][action='{reverse('inbox:erase', args=[enquiry.reference])}']"
        )
        enquiry.refresh_from_db()
        assert enquiry.erased_at is None

    def test_it_erases_the_personal_details_and_keeps_the_record(self, staff_client, farah):
        enquiry = EnquiryFactory(
            name="Kavya Reddy",
            email="kavya@example.com",
            created_at=at_india(2026, 11, 3, 18, 5),
        )
        NoteFactory(enquiry=enquiry, author=farah, text="She prefers Saturdays.")
        enquiry_change_status(enquiry=enquiry, status=Status.CONTACTED, by=farah)
        response = staff_client.post(reverse("inbox:erase", args=[enquiry.reference]))
        assert response.status_code == 302
        assert response["Location"] == detail_url(enquiry)
        erased = Enquiry.objects.get(pk=enquiry.pk)
        assert (erased.name, str(erased.phone), erased.email, erased.message) == (
            "(erased)",
            "",
            "",
            "",
        )
        assert Note.objects.get().text == ""
        assert erased.reference == enquiry.reference
        assert erased.created_at == at_india(2026, 11, 3, 18, 5)
        assert erased.status == Status.CLOSED
        assert AuditEvent.objects.filter(action="enquiry.status_changed").exists()
        event = AuditEvent.objects.get(action="enquiry.erased")
        assert (event.actor, event.detail) == (farah, {"reason": "request"})

    def test_the_enquiry_then_shows_as_erased_with_when_and_by_whom(self, staff_client):
        enquiry = EnquiryFactory(
            name="Kavya Reddy", email="kavya@example.com", message="Buttock pain"
        )
        response = staff_client.post(reverse("inbox:erase", args=[enquiry.reference]), follow=True)
        enquiry.refresh_from_db()
        soup = soup_of(response)
        notice = soup.select_one(".notice--erased").get_text(" ", strip=True)
        assert (
            f"Erased on {enquiry.erased_at.astimezone(INDIA):%-d %b %Y, %H:%M} by Farah Khan"
            in notice
        )
        facts = {
            item.dt.get_text(strip=True): item.dd.get_text(strip=True)
            for item in soup.select("dl.facts > div")
        }
        for label in ("Name", "Phone", "Email", "What they need help with"):
            assert facts[label] == "(erased)"
        assert "Kavya" not in soup.get_text()
        assert "Buttock pain" not in soup.get_text()
        assert not soup.select("form[action$='/status/'], form[action$='/notes/']")
        assert (
            "Personal details erased at the person's request"
            in soup.select_one(".timeline").get_text()
        )

    def test_an_erasure_at_the_end_of_the_retention_period_says_so(self, staff_client):
        enquiry = EnquiryFactory()
        enquiry_erase(enquiry=enquiry, by=None, reason=ErasureReason.RETENTION)
        soup = soup_of(staff_client.get(detail_url(enquiry)))
        entry = soup.select_one(".timeline__entry--enquiryerased").get_text(" ", strip=True)
        assert entry.startswith("Personal details erased at the end of the retention period")
        assert entry.endswith("Fascia")

    def test_it_says_so_when_the_enquiry_was_already_erased(self, staff_client):
        enquiry = EnquiryFactory()
        url = reverse("inbox:erase", args=[enquiry.reference])
        staff_client.post(url, follow=True)
        response = staff_client.post(url, follow=True)
        assert messages_on(response) == ["This enquiry was already erased."]
        assert AuditEvent.objects.filter(action="enquiry.erased").count() == 1
