"""Appointments and the check-in after needling, in a real browser.

Priya, at the front desk, books an initial assessment from a new enquiry and finds it on
tomorrow's day view. Kavya's needling session is signed; a day later her follow-up text
arrives (the worker's task sends it, written by the SMS file backend), and on her phone
she reports new tingling in her leg: she is told to contact her physiotherapist today, with
the clinic's number. Arjun finds the alert and acknowledges it with a note, and the draft
adverse event waits for him on the session. Every page fits a 360 px screen where it is
opened on one, and passes axe-core.
"""

import datetime as dt
import json
import re
from pathlib import Path

from django.conf import settings
from playwright.sync_api import expect

from fascia.enquiries.tests.factories import EnquiryFactory
from fascia.messaging.delivery import deliver
from fascia.records.data_rights import contact_consent_give
from fascia.records.models import Alert, AlertKind
from fascia.records.tests.factories import make_episode, make_patient
from fascia.scheduling.models import Appointment, AppointmentStatus
from fascia.treatment.models import AdverseEvent, AdverseEventStatus, FollowUpStatus
from fascia.treatment.tests.test_follow_ups import sign_needling_session
from fascia.treatment.tests.test_sessions import prepare

FOLLOW_UP_LINK = re.compile(r"https?://[^\s/]+(/f/[\w-]+/)")
ANSWERS = {
    "bruising_or_bleeding": "no",
    "faint_or_drowsy": "no",
    "fever_or_unwell": "no",
    "symptoms_worse": "no",
    "new_leg_symptoms": "yes",
    "worsening_weakness": "no",
    "site_red_hot": "no",
    "saddle_or_bladder": "no",
}


def sms_sent_to(number: str) -> list[str]:
    """The texts the SMS file backend wrote for `number`, oldest first."""
    log = Path(settings.VAR_DIR) / "messages" / "sms.jsonl"
    rows = [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []
    return [row["text"] for row in rows if row["to"] == number]


def test_booking_from_an_enquiry_and_the_day_after_needling(
    desktop_page,
    mobile_page,
    sign_in,
    assert_accessible,
    assert_fits_a_phone,
    bangalore,
    priya,
    arjun,
    time_machine,
    arjun_works_tomorrow,
):
    axe = assert_accessible
    tomorrow = arjun_works_tomorrow.day
    enquiry = EnquiryFactory(clinic=bangalore, name="Ravi Menon")

    # The front desk books the enquirer's first assessment.
    page = desktop_page
    sign_in(page, "priya")
    page.goto(f"/app/enquiries/{enquiry.reference}/")
    # The choices ask for free times through HTMX, whose script is deferred: wait for the
    # booking page to finish loading before changing them, as a person would.
    with page.expect_navigation(wait_until="load"):
        page.get_by_role("link", name="Book an appointment").click()
    page.get_by_role("combobox", name="Appointment").select_option(
        label="Initial assessment (45 min)"
    )
    page.get_by_label("From").fill(tomorrow.isoformat())
    # Each change asks for the free times again (HTMX), and the list is swapped in place;
    # without JavaScript, "Show free times" loads the page with them.
    expect(page.locator("#slots")).to_contain_text(f"Initial assessment at {bangalore.name}")
    page.wait_for_load_state("networkidle")
    arjun_s_times = page.get_by_role("group", name=re.compile(r"^Arjun Rao"))
    expect(arjun_s_times.first).to_be_visible()
    axe(page)
    arjun_s_times.first.get_by_label("09:00").check()
    page.get_by_role("button", name="Book").click()
    appointment = Appointment.objects.get(enquiry=enquiry)
    assert (appointment.practitioner, appointment.status) == (arjun, AppointmentStatus.BOOKED)
    assert appointment.starts_at == arjun_works_tomorrow.at(9)
    expect(page.get_by_role("heading", level=1)).to_have_text("Ravi Menon")
    expect(page.locator("main")).to_contain_text("Initial assessment")
    axe(page)
    page.goto(f"/app/appointments/?clinic={bangalore.pk}&day={tomorrow}")
    day = page.locator("main")
    expect(day).to_contain_text("Ravi Menon")
    expect(day).to_contain_text("09:00")
    axe(page)

    # Arjun needles Kavya's left piriformis and gluteus medius, and signs the session.
    # A number of her own: the SMS file backend's log is shared by the whole test run.
    kavya = make_patient(bangalore, by=priya, mobile="+919845099001")
    episode = make_episode(bangalore, by=priya, physiotherapist=arjun, patient=kavya)
    contact_consent_give(episode.patient, notice_version="patients/1", by=priya, ip=None)
    session = sign_needling_session(prepare(episode, arjun), arjun)
    day_1 = session.follow_ups.get(check_id="day_1")
    assert day_1.due_at == session.signed_at + dt.timedelta(hours=24)

    # A day later the worker sends the 24-hour check; the text reaches Kavya's phone.
    time_machine.move_to(day_1.due_at + dt.timedelta(minutes=1))
    assert deliver.call(day_1.message_id) == "sent"
    [text] = sms_sent_to(episode.patient.mobile.as_e164)
    link = FOLLOW_UP_LINK.search(text)
    assert link, text

    # On her phone she reports new tingling in her leg.
    phone = mobile_page
    phone.goto(link.group(1))
    axe(phone)
    assert_fits_a_phone(phone, "the follow-up questions")
    phone.locator("[name='soreness']").fill("3")
    for question, answer in ANSWERS.items():
        phone.locator(f"[name='{question}'][value='{answer}']").check()
    phone.get_by_role("button", name="Send my answers", exact=True).click()
    advice = phone.locator("main")
    expect(advice).to_contain_text("Please contact your physiotherapist today")
    call_now = phone.get_by_role("link", name=re.compile(f"^Call {bangalore.name} now"))
    expect(call_now).to_have_attribute("href", f"tel:{bangalore.phone}")
    axe(phone)
    assert_fits_a_phone(phone, "the follow-up advice")
    day_1.refresh_from_db()
    assert (day_1.status, day_1.outcome) == (FollowUpStatus.ANSWERED, "contact_today")
    alert = Alert.objects.get(episode=episode, kind=AlertKind.FOLLOW_UP)
    draft = AdverseEvent.objects.get(session=session, status=AdverseEventStatus.DRAFT)
    assert draft.kind == "new_neurological_symptoms"

    # Arjun sees the alert on his start page and acknowledges it with a note.
    page.context.clear_cookies()
    sign_in(page, "arjun")
    page.goto("/app/")
    alerts = page.get_by_role("region", name=re.compile("Open alerts"))
    expect(alerts).to_contain_text(episode.patient.full_name)
    alerts.get_by_role("link", name=episode.patient.full_name).click()
    axe(page)
    page.get_by_text("Acknowledge this alert").click()
    page.get_by_label("What was done").fill(
        "Called Kavya: tingling settling, no weakness. Review at 72 h."
    )
    page.get_by_role("button", name="Acknowledge", exact=True).click()
    alert.refresh_from_db()
    assert not alert.is_open
    assert alert.acknowledged_by == arjun
    axe(page)
