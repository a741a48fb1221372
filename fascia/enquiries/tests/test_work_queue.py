"""The inbox as the front desk's work queue: assigning, call-back times, calls, links, alerts."""

import datetime
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from fascia.accounts.models import AuditEvent
from fascia.clinics.models import OpeningHours
from fascia.enquiries import events as enquiry_events
from fascia.enquiries.actions import ActionError, enquiry_assign, enquiry_log_call, enquiry_submit
from fascia.enquiries.callbacks import callback_due
from fascia.enquiries.models import CallAttempt, CallOutcome, PhoneKind, PreferredTime, Status
from fascia.records.models import Alert, AlertKind
from fascia.tests.html import messages_on, soup_of, text_of
from fascia.tests.personas import signed_in

from .factories import EnquiryFactory
from .test_inbox import ESCAPED_SCRIPT, SCRIPT, detail_url, listed_references

LIST_URL = "/app/enquiries/"
INDIA = ZoneInfo("Asia/Kolkata")
DUBAI = ZoneInfo("Asia/Dubai")
CAUDA_EQUINA = "Possible cauda equina syndrome: same-day emergency referral."


def at_india(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=INDIA)


def url(name: str, enquiry) -> str:
    return reverse(f"inbox:{name}", args=[enquiry.reference])


def local_input(moment: datetime.datetime) -> str:
    """`moment` as a datetime-local field sends it (the staff pages' time zone)."""
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def events(action: str):
    return AuditEvent.objects.filter(action=action)


def timeline_of(client, enquiry) -> list[str]:
    soup = soup_of(client.get(detail_url(enquiry)))
    return [entry.get_text(" ", strip=True) for entry in soup.select(".timeline li")]


def row_of(client, enquiry, query: str = ""):
    soup = soup_of(client.get(LIST_URL + query))
    for row in soup.select("table.enquiries tbody tr"):
        if row.th.get_text(strip=True) == enquiry.reference:
            return row
    raise AssertionError(f"{enquiry.reference} is not listed")


def cell(row, label: str) -> str:
    return row.select_one(f'[data-label="{label}"]').get_text(" ", strip=True)


def submit(clinic, preferred_time: str, key: str = "work-queue"):
    enquiry, _created = enquiry_submit(
        idempotency_key=key,
        name="Kavya Reddy",
        phone="+918951047001",
        phone_kind=PhoneKind.MOBILE,
        email="",
        clinic=clinic,
        preferred_time=preferred_time,
        message="Buttock pain when sitting",
        source_page=None,
        source_url="/",
        consent_version="2026-01",
    )
    return enquiry


@pytest.fixture
def clock(monkeypatch):
    """Sets the time everyone reads (`timezone.now`) to the moment given."""

    def set_to(moment: datetime.datetime) -> None:
        monkeypatch.setattr("django.utils.timezone.now", lambda: moment)

    return set_to


@pytest.mark.django_db
class TestAssigning:
    def test_the_front_desk_assigns_an_enquiry_to_a_physiotherapist_whose_queue_shows_it(
        self, client, priya, kiran, bangalore
    ):
        enquiry = EnquiryFactory(clinic=bangalore)
        other = EnquiryFactory(clinic=bangalore)
        signed_in(client, priya)
        response = client.post(url("assign", enquiry), {"assignee": kiran.pk}, follow=True)
        assert messages_on(response) == ["Assigned to Kiran Shetty."]
        enquiry.refresh_from_db()
        assert enquiry.assigned_to == kiran
        event = events("enquiry.assigned").get()
        assert (event.actor, event.detail) == (priya, {"from": None, "to": kiran.pk})
        assert "Assigned to Kiran Shetty" in timeline_of(client, enquiry)[-1]
        assert listed_references(client, "?assigned=me") == []
        assert listed_references(client, "?assigned=none") == [other.reference]
        signed_in(client, kiran)
        assert listed_references(client, "?assigned=me") == [enquiry.reference]
        assert cell(row_of(client, enquiry), "Assigned to") == "Kiran Shetty"

    def test_the_queue_links_count_mine_the_unassigned_and_the_overdue(
        self, client, priya, bangalore
    ):
        past = timezone.now() - datetime.timedelta(hours=1)
        EnquiryFactory(clinic=bangalore, assigned_to=priya)
        EnquiryFactory(clinic=bangalore, callback_due_at=past)
        EnquiryFactory(clinic=bangalore, status=Status.BOOKED)
        signed_in(client, priya)
        soup = soup_of(client.get(LIST_URL))
        counts = {
            link["href"]: link.select_one(".count__number").get_text(strip=True)
            for link in soup.select(".counts--queue a")
        }
        assert counts == {
            "?assigned=me&sort=due": "1",
            "?assigned=none&sort=due": "1",
            "?overdue=on&sort=due": "1",
        }

    def test_staff_take_an_enquiry_with_one_button(self, client, priya, bangalore):
        enquiry = EnquiryFactory(clinic=bangalore)
        signed_in(client, priya)
        form = soup_of(client.get(detail_url(enquiry))).find("button", string="Assign to me").parent
        assert form["action"] == url("assign", enquiry)
        data = {field["name"]: field["value"] for field in form.select("input")}
        client.post(form["action"], data)
        enquiry.refresh_from_db()
        assert enquiry.assigned_to == priya
        assert not soup_of(client.get(detail_url(enquiry))).find("button", string="Assign to me")

    def test_unassigning_leaves_it_to_no_one_and_says_who_had_it(
        self, client, priya, kiran, bangalore
    ):
        enquiry = EnquiryFactory(clinic=bangalore, assigned_to=kiran)
        signed_in(client, priya)
        response = client.post(url("assign", enquiry), {"assignee": ""}, follow=True)
        assert messages_on(response) == ["No one is assigned now."]
        enquiry.refresh_from_db()
        assert enquiry.assigned_to is None
        assert "No longer assigned to Kiran Shetty" in timeline_of(client, enquiry)[-1]
        assert listed_references(client, "?assigned=none") == [enquiry.reference]

    def test_it_offers_only_colleagues_who_handle_the_clinics_enquiries(
        self, client, priya, arjun, kiran, meera, farah, bangalore
    ):
        enquiry = EnquiryFactory(clinic=bangalore)
        signed_in(client, priya)
        soup = soup_of(client.get(detail_url(enquiry)))
        offered = [option.get_text(strip=True) for option in soup.select("#id_assignee option")]
        assert offered == ["No one", "Arjun Rao", "Farah Khan", "Kiran Shetty", "Priya Rao"]

    def test_an_either_clinic_enquiry_goes_to_colleagues_in_the_clinics_the_assigner_shares(
        self, client, priya, arjun, meera, farah
    ):
        enquiry = EnquiryFactory(clinic=None)
        signed_in(client, priya)
        options = soup_of(client.get(detail_url(enquiry))).select("#id_assignee option")
        assert "Meera Reddy" not in [option.get_text(strip=True) for option in options]
        signed_in(client, farah)
        options = soup_of(client.get(detail_url(enquiry))).select("#id_assignee option")
        assert "Meera Reddy" in [option.get_text(strip=True) for option in options]

    def test_it_refuses_a_colleague_from_another_clinic_and_changes_nothing(
        self, client, priya, meera, bangalore
    ):
        enquiry = EnquiryFactory(clinic=bangalore)
        signed_in(client, priya)
        response = client.post(url("assign", enquiry), {"assignee": meera.pk}, follow=True)
        assert messages_on(response) == ["Choose one of the colleagues offered."]
        enquiry.refresh_from_db()
        assert enquiry.assigned_to is None
        assert not events("enquiry.assigned").exists()

    def test_the_action_itself_refuses_someone_who_does_not_handle_the_clinics_enquiries(
        self, priya, meera, bangalore
    ):
        enquiry = EnquiryFactory(clinic=bangalore)
        with pytest.raises(ActionError, match="Meera Reddy does not handle enquiries"):
            enquiry_assign(enquiry=enquiry, to=meera, by=priya)
        assert not events("enquiry.assigned").exists()

    def test_hyderabad_staff_cannot_assign_a_bangalore_enquiry(self, client, meera, bangalore):
        enquiry = EnquiryFactory(clinic=bangalore)
        signed_in(client, meera)
        assert client.post(url("assign", enquiry), {"assignee": meera.pk}).status_code == 404
        enquiry.refresh_from_db()
        assert enquiry.assigned_to is None


@pytest.mark.django_db
class TestCallbackDue:
    # The Bangalore clinic is open Monday to Saturday, 8:00 to 20:00. 3 November 2026 is a
    # Tuesday; 7 November a Saturday.
    @pytest.mark.parametrize(
        ("preferred", "received", "due"),
        [
            (PreferredTime.MORNING, (2026, 11, 3, 8, 0), (2026, 11, 3, 12, 0)),
            (PreferredTime.MORNING, (2026, 11, 3, 11, 40), (2026, 11, 4, 12, 0)),
            (PreferredTime.AFTERNOON, (2026, 11, 3, 10, 0), (2026, 11, 3, 16, 0)),
            (PreferredTime.AFTERNOON, (2026, 11, 3, 15, 30), (2026, 11, 3, 16, 0)),
            (PreferredTime.EVENING, (2026, 11, 3, 17, 45), (2026, 11, 3, 20, 0)),
            (PreferredTime.EVENING, (2026, 11, 3, 19, 40), (2026, 11, 4, 20, 0)),
            (PreferredTime.EVENING, (2026, 11, 7, 21, 0), (2026, 11, 9, 20, 0)),
            (PreferredTime.MORNING, (2026, 11, 8, 10, 0), (2026, 11, 9, 12, 0)),
        ],
    )
    def test_it_is_the_end_of_the_next_preferred_time_the_clinic_is_open_with_time_to_call(
        self, clock, bangalore, preferred, received, due
    ):
        clock(at_india(*received))
        enquiry = submit(bangalore, preferred)
        enquiry.refresh_from_db()
        assert enquiry.callback_due_at == at_india(*due)

    def test_it_reads_the_preferred_time_in_the_clinics_time_zone(self, clock, bangalore):
        bangalore.time_zone = "Asia/Dubai"
        bangalore.save()
        # 18:00 in Dubai is 19:30 in India: there is still time to call in Dubai's evening.
        clock(datetime.datetime(2026, 11, 3, 18, 0, tzinfo=DUBAI))
        enquiry = submit(bangalore, PreferredTime.EVENING)
        enquiry.refresh_from_db()
        assert enquiry.callback_due_at == datetime.datetime(2026, 11, 3, 20, 0, tzinfo=DUBAI)

    def test_either_clinic_is_read_in_india_and_every_day_counts(self, clock):
        clock(at_india(2026, 11, 8, 10, 0))  # a Sunday
        enquiry = submit(None, PreferredTime.MORNING)
        enquiry.refresh_from_db()
        assert enquiry.callback_due_at == at_india(2026, 11, 8, 12, 0)

    def test_it_ends_when_the_clinic_closes_if_that_is_earlier(self, clock, bangalore):
        OpeningHours.objects.filter(clinic=bangalore, weekday=1).update(closes=datetime.time(18, 0))
        clock(at_india(2026, 11, 3, 15, 0))
        enquiry = submit(bangalore, PreferredTime.EVENING)
        enquiry.refresh_from_db()
        assert enquiry.callback_due_at == at_india(2026, 11, 3, 18, 0)

    def test_a_lunch_break_counts_the_time_left_in_both_stretches(self):
        hours = [
            (1, datetime.time(8), datetime.time(13)),
            (1, datetime.time(14), datetime.time(20)),
        ]
        due = callback_due(
            PreferredTime.AFTERNOON,
            received_at=at_india(2026, 11, 3, 12, 50),
            zone=INDIA,
            hours=hours,
        )
        assert due == at_india(2026, 11, 3, 16, 0)

    def test_opening_hours_that_never_meet_the_preferred_time_use_the_next_opening(self):
        mornings_only = [(day, datetime.time(8), datetime.time(11)) for day in range(6)]
        due = callback_due(
            PreferredTime.EVENING,
            received_at=at_india(2026, 11, 3, 9, 0),
            zone=INDIA,
            hours=mornings_only,
        )
        assert due == at_india(2026, 11, 3, 11, 0)

    def test_staff_move_the_time_and_the_history_says_so(self, client, priya, bangalore):
        enquiry = EnquiryFactory(clinic=bangalore)
        signed_in(client, priya)
        later = (timezone.now() + datetime.timedelta(days=1)).replace(second=0, microsecond=0)
        response = client.post(
            url("callback_due", enquiry), {"callback_due_at": local_input(later)}, follow=True
        )
        assert messages_on(response) == ["The call back time is changed."]
        enquiry.refresh_from_db()
        assert enquiry.callback_due_at == later
        assert events("enquiry.callback_due_changed").get().actor == priya
        shown = timezone.localtime(later).strftime("%-d %b %Y, %H:%M")
        assert f"Call back moved to {shown}" in timeline_of(client, enquiry)[-1]

    @pytest.mark.parametrize(
        ("typed", "error"),
        [
            ("", "Choose the date and time to call back by."),
            ("tomorrow", "Enter a date and a time, such as 3 November 2026, 17:00."),
            ("2020-01-01T10:00", "Choose a time that has not passed yet."),
            ("2099-01-01T10:00", "Choose a time within the next 60 days."),
        ],
    )
    def test_it_refuses_a_time_that_cannot_be_meant(self, client, priya, bangalore, typed, error):
        enquiry = EnquiryFactory(clinic=bangalore)
        signed_in(client, priya)
        response = client.post(
            url("callback_due", enquiry), {"callback_due_at": typed}, follow=True
        )
        assert messages_on(response) == [error]
        enquiry.refresh_from_db()
        assert enquiry.callback_due_at is None
        assert not events("enquiry.callback_due_changed").exists()


@pytest.mark.django_db
class TestOverdue:
    def test_a_late_call_back_is_marked_overdue_in_words_and_can_be_listed_alone(
        self, staff_client
    ):
        now = timezone.now()
        late = EnquiryFactory(callback_due_at=now - datetime.timedelta(minutes=5))
        late_contacted = EnquiryFactory(
            callback_due_at=now - datetime.timedelta(hours=3), status=Status.CONTACTED
        )
        EnquiryFactory(callback_due_at=now + datetime.timedelta(hours=1))
        EnquiryFactory(callback_due_at=now - datetime.timedelta(hours=1), status=Status.BOOKED)
        EnquiryFactory(callback_due_at=None)
        assert "Overdue" in cell(row_of(staff_client, late), "Call back by")
        assert row_of(staff_client, late).select_one(".overdue").get_text() == "Overdue"
        assert set(listed_references(staff_client, "?overdue=on")) == {
            late.reference,
            late_contacted.reference,
        }
        detail = soup_of(staff_client.get(detail_url(late)))
        assert detail.select_one("h1 .overdue").get_text() == "Overdue"

    def test_a_call_back_that_is_not_late_is_not_marked(self, staff_client):
        EnquiryFactory(callback_due_at=timezone.now() + datetime.timedelta(minutes=30))
        assert not soup_of(staff_client.get(LIST_URL)).select("tbody .overdue")

    def test_the_list_sorts_by_call_back_time_soonest_first_and_those_without_last(
        self, staff_client
    ):
        now = timezone.now()
        without = EnquiryFactory(callback_due_at=None)
        later = EnquiryFactory(callback_due_at=now + datetime.timedelta(hours=5))
        sooner = EnquiryFactory(callback_due_at=now + datetime.timedelta(hours=1))
        late = EnquiryFactory(callback_due_at=now - datetime.timedelta(hours=1))
        assert listed_references(staff_client, "?sort=due") == [
            late.reference,
            sooner.reference,
            later.reference,
            without.reference,
        ]
        header = soup_of(staff_client.get(LIST_URL + "?sort=due")).select_one(
            "th[aria-sort=ascending]"
        )
        assert header.get_text(strip=True) == "Call back by"


@pytest.mark.django_db
class TestCalls:
    def test_reaching_a_new_enquiry_marks_it_contacted_and_nothing_is_owed(
        self, client, priya, bangalore
    ):
        enquiry = EnquiryFactory(
            clinic=bangalore, callback_due_at=timezone.now() - datetime.timedelta(hours=1)
        )
        signed_in(client, priya)
        response = client.post(
            url("call", enquiry), {"outcome": "reached", "note": "Booked for Friday"}, follow=True
        )
        assert messages_on(response) == ["Call logged: “Spoke to them”."]
        enquiry.refresh_from_db()
        assert (enquiry.status, enquiry.callback_due_at) == (Status.CONTACTED, None)
        call = CallAttempt.objects.get()
        assert (call.by, call.outcome, call.note) == (priya, "reached", "Booked for Friday")
        logged = events("enquiry.call_logged").get()
        assert (logged.actor, logged.detail) == (
            priya,
            {"call": call.pk, "outcome": "reached", "due": None},
        )
        assert events("enquiry.status_changed").get().detail == {"from": "new", "to": "contacted"}
        history = timeline_of(client, enquiry)
        assert history[-2].startswith("Call logged: “Spoke to them”")
        assert "Booked for Friday" in history[-2]
        assert history[-1].startswith("Status changed from “New” to “Contacted”")

    def test_no_answer_keeps_the_call_owed_by_the_same_time(self, client, priya, bangalore):
        due = timezone.now() + datetime.timedelta(hours=1)
        enquiry = EnquiryFactory(clinic=bangalore, callback_due_at=due)
        signed_in(client, priya)
        client.post(url("call", enquiry), {"outcome": "no_answer"})
        enquiry.refresh_from_db()
        assert (enquiry.status, enquiry.callback_due_at) == (Status.NEW, due)
        assert events("enquiry.call_logged").get().detail["outcome"] == "no_answer"
        assert timeline_of(client, enquiry)[-1].startswith(
            "Call logged: “No answer”; call again by"
        )

    def test_call_back_later_is_owed_in_two_hours_unless_a_time_is_given(
        self, client, priya, bangalore
    ):
        first, second = EnquiryFactory.create_batch(2, clinic=bangalore)
        signed_in(client, priya)
        client.post(url("call", first), {"outcome": "call_back_later"})
        first.refresh_from_db()
        call = CallAttempt.objects.get(enquiry=first)
        assert first.callback_due_at == call.at + datetime.timedelta(hours=2)
        asked = (timezone.now() + datetime.timedelta(days=1)).replace(second=0, microsecond=0)
        client.post(
            url("call", second),
            {"outcome": "call_back_later", "next_call_by": local_input(asked)},
        )
        second.refresh_from_db()
        assert (second.status, second.callback_due_at) == (Status.NEW, asked)

    def test_a_wrong_number_is_recorded_and_shown(self, client, priya, bangalore):
        enquiry = EnquiryFactory(
            clinic=bangalore, callback_due_at=timezone.now() - datetime.timedelta(hours=1)
        )
        signed_in(client, priya)
        client.post(url("call", enquiry), {"outcome": "wrong_number"})
        enquiry.refresh_from_db()
        assert (enquiry.status, enquiry.callback_due_at) == (Status.NEW, None)
        row = row_of(client, enquiry)
        assert "Wrong number" in cell(row, "Phone")
        assert not row.select(".overdue")
        detail = soup_of(client.get(detail_url(enquiry)))
        assert detail.select_one(".tag--wrong-number").get_text() == "Wrong number"
        assert timeline_of(client, enquiry)[-1].startswith("Call logged: “Wrong number”")

    def test_the_list_shows_how_many_calls_were_made_and_how_the_last_went(
        self, client, priya, bangalore
    ):
        enquiry = EnquiryFactory(clinic=bangalore)
        enquiry_log_call(enquiry=enquiry, outcome=CallOutcome.NO_ANSWER, by=priya)
        enquiry_log_call(enquiry=enquiry, outcome=CallOutcome.CALL_BACK_LATER, by=priya)
        signed_in(client, priya)
        assert cell(row_of(client, enquiry), "Calls").startswith(
            "2 calls, last: Asked to call back later"
        )

    @pytest.mark.parametrize(
        ("data", "error"),
        [
            ({}, "Choose how the call went."),
            ({"outcome": "voicemail"}, "Choose one of the call outcomes offered."),
            (
                {"outcome": "no_answer", "note": "x" * 501},
                "The note is too long: at most 500 characters (it has 501).",
            ),
            (
                {"outcome": "no_answer", "note": "rang\x07twice"},
                "The note contains a control character; type it again without pasting.",
            ),
            (
                {"outcome": "no_answer", "note": "\u202eevil"},
                "The note contains a control character; type it again without pasting.",
            ),
            (
                {"outcome": "wrong_number", "next_call_by": "2099-01-01T10:00"},
                "Choose a time within the next 60 days.",
            ),
        ],
    )
    def test_it_refuses_a_call_it_cannot_record_and_changes_nothing(
        self, client, priya, bangalore, data, error
    ):
        due = timezone.now() + datetime.timedelta(hours=1)
        enquiry = EnquiryFactory(clinic=bangalore, callback_due_at=due)
        signed_in(client, priya)
        response = client.post(url("call", enquiry), data, follow=True)
        assert messages_on(response) == [error]
        enquiry.refresh_from_db()
        assert (enquiry.status, enquiry.callback_due_at) == (Status.NEW, due)
        assert not CallAttempt.objects.exists()
        assert not events("enquiry.call_logged").exists()

    def test_it_refuses_a_time_to_call_a_wrong_number_again(self, client, priya, bangalore):
        enquiry = EnquiryFactory(clinic=bangalore)
        signed_in(client, priya)
        later = timezone.now() + datetime.timedelta(hours=3)
        response = client.post(
            url("call", enquiry),
            {"outcome": "wrong_number", "next_call_by": local_input(later)},
            follow=True,
        )
        assert messages_on(response) == [
            "A wrong number cannot be called again: leave “Call again by” empty."
        ]
        assert not CallAttempt.objects.exists()

    def test_a_call_logged_from_the_list_goes_back_to_the_same_list(self, client, priya, bangalore):
        enquiry = EnquiryFactory(clinic=bangalore)
        signed_in(client, priya)
        form = row_of(client, enquiry, "?status=new").select_one("form")
        assert form["action"] == url("call", enquiry)
        back = form.select_one("input[name=next]")["value"]
        assert back == f"{LIST_URL}?status=new"
        response = client.post(form["action"], {"outcome": "no_answer", "next": back})
        assert response["Location"] == back

    def test_it_never_goes_back_to_another_site(self, client, priya, bangalore):
        enquiry = EnquiryFactory(clinic=bangalore)
        signed_in(client, priya)
        response = client.post(
            url("call", enquiry), {"outcome": "no_answer", "next": "https://evil.example/"}
        )
        assert response["Location"] == detail_url(enquiry)

    def test_with_htmx_the_list_row_alone_comes_back_showing_the_call(
        self, client, priya, bangalore
    ):
        enquiry = EnquiryFactory(clinic=bangalore)
        signed_in(client, priya)
        response = client.post(
            url("call", enquiry),
            {"outcome": "no_answer", "next": LIST_URL},
            headers={"HX-Request": "true"},
        )
        soup = soup_of(response)
        row = soup.select_one("tr")
        assert row.th.get_text(strip=True) == enquiry.reference
        assert "1 call, last: No answer" in cell(row, "Calls")
        assert row.select_one(".row-message").get_text(strip=True) == "Call logged: “No answer”."
        assert row.select_one("input[name=next]")["value"] == LIST_URL
        assert not soup.select("html, .messages")

    def test_with_htmx_a_refusal_is_shown_in_the_row(self, client, priya, bangalore):
        enquiry = EnquiryFactory(clinic=bangalore)
        signed_in(client, priya)
        response = client.post(
            url("call", enquiry), {"outcome": ""}, headers={"HX-Request": "true"}
        )
        message = soup_of(response).select_one(".row-message--error")
        assert message.get_text(strip=True) == "Choose how the call went."
        assert not CallAttempt.objects.exists()

    def test_erasing_the_enquiry_erases_the_notes_of_its_calls(self, client, priya, bangalore):
        enquiry = EnquiryFactory(clinic=bangalore)
        enquiry_log_call(
            enquiry=enquiry, outcome=CallOutcome.NO_ANSWER, note="Her husband answered", by=priya
        )
        signed_in(client, priya)
        client.post(url("erase", enquiry))
        assert CallAttempt.objects.get().note == ""
        assert "Her husband" not in text_of(client.get(detail_url(enquiry)))

    def test_hyderabad_staff_cannot_log_a_call_on_a_bangalore_enquiry(
        self, client, meera, bangalore
    ):
        enquiry = EnquiryFactory(clinic=bangalore)
        signed_in(client, meera)
        assert client.post(url("call", enquiry), {"outcome": "reached"}).status_code == 404
        assert not CallAttempt.objects.exists()


@pytest.mark.django_db
class TestTimeline:
    def test_a_conversion_into_a_patient_reads_as_words(
        self, client, priya, bangalore, kavya_episode
    ):
        enquiry = EnquiryFactory(clinic=bangalore)
        with transaction.atomic():
            enquiry_events.enquiry_converted(
                enquiry,
                by=priya,
                episode_id=kavya_episode.pk,
                patient_id=kavya_episode.patient_id,
                new_patient=True,
                ip=None,
            )
        signed_in(client, priya)
        assert timeline_of(client, enquiry)[-1].startswith(
            "Converted into a new patient and an episode of care"
        )


@pytest.mark.django_db
class TestContactLinks:
    def test_a_mobile_gets_a_call_link_and_a_whatsapp_link_naming_the_clinic(
        self, staff_client, bangalore
    ):
        enquiry = EnquiryFactory(clinic=bangalore, phone="+918951047001")
        for soup in (
            row_of(staff_client, enquiry),
            soup_of(staff_client.get(detail_url(enquiry))).select_one(".contact-actions"),
        ):
            assert soup.select_one("a[href^='tel:']")["href"] == "tel:+918951047001"
            whatsapp = urlsplit(soup.select_one("a[href^='https://wa.me/']")["href"])
            assert (whatsapp.netloc, whatsapp.path) == ("wa.me", "/918951047001")
            assert " " not in whatsapp.query
            assert parse_qs(whatsapp.query)["text"] == [
                f"Hello, this is {bangalore.name} about your enquiry "
                f"(reference {enquiry.reference}). When would be a good time to call you?"
            ]

    def test_an_either_clinic_enquiry_names_the_organisation(self, staff_client):
        enquiry = EnquiryFactory(clinic=None)
        href = row_of(staff_client, enquiry).select_one("a[href^='https://wa.me/']")["href"]
        assert parse_qs(urlsplit(href).query)["text"][0].startswith(
            "Hello, this is Fascia Physiotherapy about"
        )

    def test_a_landline_gets_a_call_link_but_no_whatsapp_link(self, staff_client):
        enquiry = EnquiryFactory(phone="+918023456789", phone_kind=PhoneKind.LANDLINE)
        row = row_of(staff_client, enquiry)
        assert row.select_one("a[href^='tel:']")["href"] == "tel:+918023456789"
        assert not row.select("a[href^='https://wa.me/']")
        detail = soup_of(staff_client.get(detail_url(enquiry)))
        assert not detail.select("a[href^='https://wa.me/']")


@pytest.mark.django_db
class TestMessagePreview:
    def test_it_shows_the_start_of_the_message_cut_after_a_word(self, staff_client):
        message = (
            "Deep ache in the left buttock for three months, worse after long meetings "
            "and driving to work every day."
        )
        enquiry = EnquiryFactory(message=message)
        preview = row_of(staff_client, enquiry).select_one(".preview").get_text()
        assert preview == (
            "Deep ache in the left buttock for three months, worse after long meetings and…"
        )
        assert len(preview) <= 81

    def test_a_short_message_is_shown_whole_on_one_line(self, staff_client):
        enquiry = EnquiryFactory(message="Pain\nwhen   sitting")
        assert row_of(staff_client, enquiry).select_one(".preview").get_text() == (
            "Pain when sitting"
        )

    def test_it_is_shown_as_text(self, staff_client):
        EnquiryFactory(message=f"{SCRIPT} and more")
        content = staff_client.get(LIST_URL).content.decode()
        assert SCRIPT not in content
        assert ESCAPED_SCRIPT in content


@pytest.fixture
def emergency(kavya_episode, bangalore):
    return Alert.objects.create(
        episode=kavya_episode, clinic=bangalore, kind=AlertKind.EMERGENCY, message=CAUDA_EQUINA
    )


@pytest.mark.django_db
class TestAlerts:
    def test_the_front_desk_sees_whose_alert_is_open_but_not_what_it_says(
        self, client, priya, emergency
    ):
        signed_in(client, priya)
        soup = soup_of(client.get(LIST_URL))
        alerts = soup.select_one(".alerts")
        assert alerts.h2.get_text(strip=True) == "1 open alert"
        item = alerts.select_one("li").get_text(" ", strip=True)
        assert item.startswith("Emergency referral Kavya Rao raised")
        link = alerts.select_one("a")
        assert link["href"] == reverse("records:patient", args=[emergency.episode.patient_id])
        assert CAUDA_EQUINA not in soup.get_text()

    def test_a_physiotherapist_of_the_clinic_reads_what_it_says(self, client, kiran, emergency):
        signed_in(client, kiran)
        message = soup_of(client.get(LIST_URL)).select_one(".alerts .alert__message")
        assert message.get_text(strip=True) == CAUDA_EQUINA

    def test_hyderabad_staff_see_neither_bangalore_alerts_nor_enquiries(
        self, client, meera, emergency, bangalore
    ):
        enquiry = EnquiryFactory(clinic=bangalore)
        signed_in(client, meera)
        response = client.get(LIST_URL)
        soup = soup_of(response)
        assert not soup.select(".alerts")
        assert "Kavya" not in soup.get_text()
        assert enquiry.reference not in listed_references(client)
        assert client.get(detail_url(enquiry)).status_code == 404

    def test_an_acknowledged_alert_is_no_longer_shown(self, client, kiran, emergency):
        Alert.objects.filter(pk=emergency.pk).update(acknowledged_at=timezone.now())
        signed_in(client, kiran)
        assert not soup_of(client.get(LIST_URL)).select(".alerts")


@pytest.mark.django_db
class TestQueryCount:
    def test_the_list_runs_as_many_queries_for_30_enquiries_as_for_1(
        self, client, priya, kiran, kavya_episode, bangalore
    ):
        def count() -> int:
            with CaptureQueriesContext(connection) as context:
                assert client.get(LIST_URL).status_code == 200
            return len(context.captured_queries)

        def add_enquiry(n: int) -> None:
            enquiry = EnquiryFactory(
                clinic=bangalore if n % 2 else None,
                assigned_to=kiran if n % 3 else None,
                callback_due_at=timezone.now() - datetime.timedelta(hours=n),
            )
            enquiry_log_call(enquiry=enquiry, outcome=CallOutcome.NO_ANSWER, by=priya)
            Alert.objects.create(
                episode=kavya_episode,
                clinic=bangalore,
                kind=AlertKind.CLINICIAN_REVIEW,
                message="x",
            )

        signed_in(client, priya)
        add_enquiry(1)
        client.get(LIST_URL)
        with_1 = count()
        for n in range(2, 31):
            add_enquiry(n)
        assert count() == with_1
