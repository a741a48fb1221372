"""The appointment page: status changes (allowed, refused, audited) and the session started
from an appointment, through HTTP as the front desk and the physiotherapists."""

import pytest
import time_machine
from django.urls import reverse

from fascia.accounts.models import AuditEvent
from fascia.enquiries.tests.factories import EnquiryFactory
from fascia.records.actions import ActionError
from fascia.records.tests.factories import make_patient
from fascia.scheduling import events
from fascia.scheduling.appointments import appointment_set_status
from fascia.scheduling.models import Appointment, AppointmentKind, AppointmentStatus
from fascia.tests.html import messages_on, soup_of, text_of
from fascia.tests.personas import signed_in
from fascia.treatment.models import TreatmentSession

from .schedule_data import TUESDAY, at, make_appointment


@pytest.fixture
def appointment(bangalore, arjun, priya):
    patient = make_patient(bangalore, by=priya, name="Kavya Rao")
    return make_appointment(
        clinic=bangalore, practitioner=arjun, patient=patient, starts_at=at(TUESDAY, 15), by=priya
    )


def page_of(appointment: Appointment) -> str:
    return reverse("schedule:appointment", args=[appointment.pk])


def post_status(client, appointment: Appointment, status: str, reason: str = ""):
    url = reverse("schedule:appointment_status", args=[appointment.pk])
    return client.post(url, {"status": status, "reason": reason}, follow=True)


def status_events(appointment: Appointment):
    return AuditEvent.objects.filter(
        target_type="scheduling.appointment", target_id=str(appointment.pk)
    ).order_by("seq")


def buttons(response) -> list[str]:
    return [b.get_text(strip=True) for b in soup_of(response).select("main button")]


def test_front_desk_marks_arrived_then_done_each_change_audited(client, priya, appointment):
    with time_machine.travel(at(TUESDAY, 14, 55), tick=False):
        signed_in(client, priya)
        page = client.get(page_of(appointment))
        assert "The patient has arrived" in buttons(page)
        assert "Did not come" not in buttons(page)
        arrived = post_status(client, appointment, AppointmentStatus.ARRIVED)
        done = post_status(client, appointment, AppointmentStatus.DONE)
        assert buttons(client.get(page_of(appointment))) == []
    assert messages_on(arrived) == ["The appointment is now “Arrived”."]
    assert messages_on(done) == ["The appointment is now “Done”."]
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.DONE
    assert appointment.status_changed_by == priya
    changes = list(status_events(appointment))
    assert [(e.action, e.detail) for e in changes] == [
        (events.APPOINTMENT_STATUS_CHANGED, {"from": "booked", "to": "arrived"}),
        (events.APPOINTMENT_STATUS_CHANGED, {"from": "arrived", "to": "done"}),
    ]
    assert {(e.patient_id, e.clinic_id, e.actor_id) for e in changes} == {
        (appointment.patient_id, appointment.clinic_id, priya.pk)
    }


def test_a_change_the_status_does_not_allow_is_refused_and_changes_nothing(
    client, priya, appointment
):
    signed_in(client, priya)
    response = post_status(client, appointment, AppointmentStatus.DONE)
    assert messages_on(response) == ["A booked appointment cannot be marked “Done”."]
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.BOOKED
    assert not status_events(appointment).exists()


def test_no_show_only_once_the_appointment_has_begun(client, priya, appointment):
    with time_machine.travel(at(TUESDAY, 14), tick=False):
        signed_in(client, priya)
        early = post_status(client, appointment, AppointmentStatus.NO_SHOW)
    assert messages_on(early) == [
        "An appointment can be marked as a no-show only once its time has begun."
    ]
    with time_machine.travel(at(TUESDAY, 15, 20), tick=False):
        signed_in(client, priya)
        assert "Did not come" in buttons(client.get(page_of(appointment)))
        post_status(client, appointment, AppointmentStatus.NO_SHOW)
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.NO_SHOW


def test_cancelling_needs_a_reason_and_is_audited_with_it(client, priya, appointment):
    signed_in(client, priya)
    url = reverse("schedule:appointment_status", args=[appointment.pk])
    refused = client.post(url, {"status": AppointmentStatus.CANCELLED, "reason": ""})
    assert refused.status_code == 400
    assert "Say why the appointment is cancelled." in refused.content.decode()
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.BOOKED
    post_status(client, appointment, AppointmentStatus.CANCELLED, "Called: unwell")
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.CANCELLED
    assert appointment.cancel_reason == "Called: unwell"
    event = status_events(appointment).get()
    assert event.action == events.APPOINTMENT_CANCELLED
    assert event.detail == {"from": "booked", "to": "cancelled", "reason": "Called: unwell"}
    with pytest.raises(ActionError):
        appointment_set_status(appointment, AppointmentStatus.ARRIVED, by=priya, ip=None)


def test_an_enquirys_appointment_is_audited_in_the_clinics_trail(bangalore, arjun, priya):
    appointment = make_appointment(
        clinic=bangalore,
        practitioner=arjun,
        enquiry=EnquiryFactory(clinic=bangalore),
        starts_at=at(TUESDAY, 9),
    )
    with time_machine.travel(at(TUESDAY, 8, 50), tick=False):
        appointment_set_status(appointment, AppointmentStatus.ARRIVED, by=priya, ip="10.0.0.9")
    event = status_events(appointment).get()
    assert (event.clinic_id, event.patient_id) == (bangalore.pk, None)


def test_another_clinics_appointment_is_not_found(client, meera, appointment):
    signed_in(client, meera)
    assert client.get(page_of(appointment)).status_code == 404
    assert post_status(client, appointment, AppointmentStatus.ARRIVED).status_code == 404


def test_the_front_desk_sees_contact_details_never_a_clinical_button(client, full_record, priya):
    appointment = make_appointment(
        clinic=full_record.clinic,
        practitioner=full_record.arjun,
        patient=full_record.patient,
        starts_at=at(TUESDAY, 15),
    )
    signed_in(client, priya)
    page = client.get(page_of(appointment))
    assert "+91 98450 12345" in text_of(page)
    assert "Start the session" not in buttons(page)
    url = reverse("schedule:appointment_session", args=[appointment.pk])
    refused = client.post(url, follow=True)
    assert messages_on(refused) == ["Only a physiotherapist of this clinic can start a session."]
    assert not TreatmentSession.objects.exists()


def test_the_physiotherapist_starts_the_session_from_the_appointment(client, full_record):
    arjun = full_record.arjun
    appointment = make_appointment(
        clinic=full_record.clinic,
        practitioner=arjun,
        patient=full_record.patient,
        starts_at=at(TUESDAY, 15),
    )
    signed_in(client, arjun)
    assert "Start the session" in buttons(client.get(page_of(appointment)))
    url = reverse("schedule:appointment_session", args=[appointment.pk])
    response = client.post(url)
    session = TreatmentSession.objects.get()
    assert response["Location"] == reverse("treatment:session", args=[session.pk])
    appointment.refresh_from_db()
    assert appointment.session == session
    assert appointment.status == AppointmentStatus.ARRIVED
    assert session.episode == full_record.episode
    assert status_events(appointment).get().action == events.APPOINTMENT_SESSION_LINKED
    # Back on the session page, the appointment it was recorded in; on the appointment
    # page, the session; pressing again opens the same session.
    session_page = client.get(response["Location"])
    link = soup_of(session_page).find("a", href=page_of(appointment))
    assert link is not None
    assert "Booked appointment:" in link.parent.get_text()
    page = client.get(page_of(appointment))
    assert soup_of(page).find("a", href=response["Location"]) is not None
    assert client.post(url)["Location"] == response["Location"]
    assert TreatmentSession.objects.count() == 1


def test_the_treatment_apps_rules_decide_for_a_physio_without_a_credential(client, full_record):
    """Kiran has no dry-needling credential: starting a session is his to do all the same
    (needling is gated inside the session)."""
    appointment = make_appointment(
        clinic=full_record.clinic,
        practitioner=full_record.kiran,
        patient=full_record.patient,
        starts_at=at(TUESDAY, 15),
    )
    signed_in(client, full_record.kiran)
    response = client.post(reverse("schedule:appointment_session", args=[appointment.pk]))
    session = TreatmentSession.objects.get()
    assert response["Location"] == reverse("treatment:session", args=[session.pk])
    assert session.physiotherapist == full_record.kiran


def test_no_session_from_a_review_or_without_an_open_episode(client, full_record, bangalore):
    review = make_appointment(
        clinic=bangalore,
        practitioner=full_record.arjun,
        patient=full_record.patient,
        starts_at=at(TUESDAY, 15),
        kind=AppointmentKind.REVIEW,
    )
    newcomer = make_appointment(
        clinic=bangalore,
        practitioner=full_record.arjun,
        patient=make_patient(bangalore, by=full_record.priya, name="Ravi Kumar"),
        starts_at=at(TUESDAY, 16),
    )
    signed_in(client, full_record.arjun)
    for appointment in (review, newcomer):
        assert "Start the session" not in buttons(client.get(page_of(appointment)))
        url = reverse("schedule:appointment_session", args=[appointment.pk])
        assert "A session can be started only" in messages_on(client.post(url, follow=True))[0]
    assert not TreatmentSession.objects.exists()
