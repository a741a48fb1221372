"""The appointment and message pages the journey in test_appointments_and_follow_up.py does not
pass through, each opened on a 360 px phone: it must fit the screen and pass axe-core."""

from fascia.enquiries.tests.factories import EnquiryFactory
from fascia.messaging.links import Link
from fascia.messaging.models import Channel, Message, MessageStatus
from fascia.records.data_rights import contact_consent_give
from fascia.records.tests.factories import make_patient
from fascia.scheduling.booking import book
from fascia.scheduling.models import Appointment, AppointmentStatus, AppointmentType

PHONE = {"width": 360, "height": 780}


def test_the_appointment_and_message_pages_on_a_phone(
    browsing,
    mobile_page,
    assert_accessible,
    assert_fits_a_phone,
    sign_in,
    bangalore,
    priya,
    arjun,
    farah,
    arjun_works_tomorrow,
):
    tomorrow = arjun_works_tomorrow
    assessment = AppointmentType.objects.get(name="Initial assessment")
    patient = make_patient(bangalore, by=priya, name="Sunita Pai", mobile="+919845099002")
    contact_consent_give(patient, notice_version="patients/1", by=priya, ip=None)
    booked = book(
        clinic=bangalore,
        appointment_type=assessment,
        practitioner=arjun,
        starts_at=tomorrow.at(9),
        patient=patient,
        by=priya,
        ip=None,
    )
    Appointment.objects.create(
        clinic=bangalore,
        practitioner=arjun,
        type=assessment,
        enquiry=EnquiryFactory(clinic=bangalore, name="Imran Sheikh"),
        starts_at=tomorrow.at(10),
        ends_at=tomorrow.at(10, 45),
        status=AppointmentStatus.REQUESTED,
    )
    failed = Message.objects.create(
        clinic=bangalore,
        patient=patient,
        key="reminder:test-failed",
        template="appointment_reminder",
        channel=Channel.SMS,
        recipient=patient.mobile.as_e164,
        status=MessageStatus.FAILED,
        attempts=5,
        error="The gateway answered 503: try again later.",
    )
    reminder = Message.objects.get(key__startswith=f"reminder:{booked.pk}:")
    manage = f"/a/{Link.from_context(reminder.context['link']).token}/"

    def checked(page, what: str) -> None:
        assert_accessible(page, what)
        assert_fits_a_phone(page, what)

    page = mobile_page
    sign_in(page, "farah")
    for path, what in [
        (f"/app/appointments/week/?clinic={bangalore.pk}&day={tomorrow.day}", "the week"),
        (f"/app/appointments/{booked.pk}/", "an appointment"),
        ("/app/appointments/requests/", "patients' requests"),
        ("/app/schedules/", "working hours and leave"),
        (f"/app/schedules/{bangalore.pk}/{arjun.pk}/", "a practitioner's schedule"),
        ("/app/appointment-types/", "appointment types"),
        (f"/app/appointment-types/{assessment.pk}/", "an appointment type"),
        ("/app/messages/", "messages needing attention"),
        (f"/app/messages/{failed.pk}/", "a failed message"),
        ("/app/calendar-feed/", "the calendar feed"),
    ]:
        response = page.goto(path)
        assert response.status == 200, path
        checked(page, what)

    patient_phone = browsing.new_page(PHONE)
    assert patient_phone.goto(manage).status == 200
    checked(patient_phone, "the patient's confirm or cancel page")
