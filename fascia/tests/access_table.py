"""Who may open every URL of the staff area, the CMS and Django's admin: the one table.

`fascia/tests/test_access.py` walks the URL configuration and requests every pattern under
`/app/`, `/cms/` and `/django-admin/` as each persona (`fascia/tests/personas.py`) and
anonymously, and compares each answer with this table. A URL with no row here fails that
test, which says which row to add.

- `ROWS`: one row per URL pattern name (`namespace:name`; an unnamed pattern by its route).
  A row says how the URL is requested (`GET`, or `POST` with an empty form for a view that
  only takes POST: a refused POST must change nothing) and the answer for each persona.
  `staff(ok=…)` is the usual staff page: anonymous visitors are sent to sign in, the
  personas in `ok` get `answer`, everyone else 404 (`fascia.clinics.permissions`).
- `GROUPS`: what every pattern under a prefix answers unless it has a row of its own
  (Wagtail's admin and Django's admin have hundreds of patterns).
- `PARAMETERS`: how each path parameter is filled: a function of the shared dataset
  (`full_record.FullRecord`: Kavya's full record at the Bangalore clinic, which Arjun,
  Kiran and Farah may open clinically, Priya for contact details, Meera never). A URL whose
  record is not in the dataset yet (a treatment session, …) names a function that makes
  one from it with the app's own factories or actions, e.g.
  `"session_id": lambda d: session_start(episode=d.episode, by=d.arjun, ip=None).pk`.

Add a row in the same change as the URL.
"""

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

ANONYMOUS = "anonymous"
PERSONAS = ("priya", "arjun", "kiran", "meera", "farah", "neha", "asha", "vikram")
EVERYONE = (ANONYMOUS, *PERSONAS)


@dataclass(frozen=True)
class Answer:
    """What a request gets: a status, or a redirect to a place (a URL name or a path)."""

    status: int | None = None
    to: str | None = None
    """For a redirect: where the Location goes (its path, the query string aside), as a URL
    name (`staff:login`, reversed with the requested URL's parameters it takes) or a path."""
    reaches: bool = False
    """Anything but a refusal (no redirect to a sign-in page, no 403): the CMS's own views."""

    def __str__(self) -> str:
        if self.reaches:
            return "reaches the view"
        if self.to is not None:
            return f"redirect to {self.to}"
        return str(self.status)


OK = Answer(200)
NOT_FOUND = Answer(404)
REACHES = Answer(reaches=True)


def redirect(to: str) -> Answer:
    return Answer(302, to=to)


LOGIN = redirect("staff:login")
CMS_LOGIN = redirect("wagtailadmin_login")
ADMIN_LOGIN = redirect("admin:login")


@dataclass(frozen=True)
class Row:
    answers: Mapping[str, Answer]
    method: str = "GET"
    allowed: frozenset[str] = frozenset(EVERYONE)
    """Who may use it; a POST from anyone else must change nothing, whatever it answers."""
    parameters: Mapping[str, Callable[[Any], object]] = field(default_factory=dict)
    """Parameters for this URL alone, when the shared `PARAMETERS` do not fit."""

    def but(self, **answers: Answer) -> "Row":
        return replace(self, answers={**self.answers, **answers})


def everyone(answer: Answer, *, method: str = "GET") -> Row:
    return Row(dict.fromkeys(EVERYONE, answer), method=method)


def staff(
    *,
    ok: Iterable[str],
    answer: Answer = OK,
    method: str = "GET",
    refused: Answer = NOT_FOUND,
) -> Row:
    """A staff page: sign-in first, then `answer` for the personas in `ok`, `refused` for
    everyone else."""
    allowed = set(ok)
    unknown = allowed - set(PERSONAS)
    assert not unknown, f"not personas: {sorted(unknown)}"
    answers = {persona: answer if persona in allowed else refused for persona in PERSONAS}
    return Row({ANONYMOUS: LOGIN, **answers}, method=method, allowed=frozenset(allowed))


def data(path: str) -> Callable[[Any], object]:
    """A parameter read from the dataset: `data("episode.pk")`."""

    def read(dataset: Any) -> object:
        value = dataset
        for part in path.split("."):
            value = getattr(value, part)
        return value

    read.__doc__ = path
    return read


def constant(value: object) -> Callable[[Any], object]:
    return lambda dataset: value


# Who, by what they may do with Bangalore's records (the dataset's clinic).
BANGALORE_CLINICAL = ("arjun", "kiran", "farah")
BANGALORE_CONTACTS = ("priya", *BANGALORE_CLINICAL)
# Lists that show each person their own clinics' rows: everyone with the capability.
ENQUIRIES_ANYWHERE = (*BANGALORE_CONTACTS, "meera")
CONTACTS_ANYWHERE = ENQUIRIES_ANYWHERE
STAFF_AREA = (*CONTACTS_ANYWHERE, "asha")
STAFF_MANAGERS = ("farah", "asha")
ADMINISTRATORS = ("asha",)

# Where a form that was sent goes back to (an empty form is refused there with a message).
TO_ENQUIRY = redirect("inbox:detail")
TO_LINKS = redirect("records:links")
TO_MEMBER = redirect("staff:detail")
TO_CLINIC = redirect("staff:clinic_detail")


def _programme(dataset: Any) -> int:
    """The id of the episode's home-exercise programme, given by Arjun the first time."""
    from fascia.treatment.exercises import Chosen, current_programme, programme_give

    programme = current_programme(dataset.episode) or programme_give(
        episode=dataset.episode, chosen=[Chosen("bridge", "8 to 12")], by=dataset.arjun, ip=None
    )
    return programme.pk


PROGRAMME = {"programme_id": _programme}


def _session(dataset: Any) -> int:
    """The id of a treatment session of Kavya's episode, started by Arjun the first time."""
    from fascia.treatment.models import TreatmentSession
    from fascia.treatment.sessions import session_start

    session = TreatmentSession.objects.filter(episode=dataset.episode).first()
    return (session or session_start(episode=dataset.episode, by=dataset.arjun, ip=None)).pk


def _discharged_episode(dataset: Any) -> int:
    """The id of an episode of Kavya's that Arjun discharged: a second one, opened and
    discharged the first time, so that her episode in the dataset stays open."""
    from fascia.records.actions import episode_open
    from fascia.treatment.discharge import episode_discharge
    from fascia.treatment.models import Discharge

    found = Discharge.objects.filter(episode__patient=dataset.patient).first()
    if found is not None:
        return found.episode_id
    episode = episode_open(
        dataset.patient,
        clinic=dataset.clinic,
        physiotherapist=dataset.arjun,
        by=dataset.arjun,
        ip=None,
    )
    episode_discharge(
        episode=episode, reason="did_not_return", summary="", advice="", by=dataset.arjun, ip=None
    )
    return episode.pk


def _screening(dataset: Any) -> int:
    """The id of Kavya's completed screening (the one whose answers raised the alert)."""
    return dataset.alert.screening_id


def _data_request(dataset: Any) -> int:
    """The id of an open request about Kavya's data, recorded by Priya the first time."""
    from fascia.records.models import DataRequest, DataRequestKind

    request, _created = DataRequest.objects.get_or_create(
        patient=dataset.patient, kind=DataRequestKind.GRIEVANCE, recorded_by=dataset.priya
    )
    return request.pk


def _credential(dataset: Any) -> int:
    """The id of Kiran's credential with its evidence (a PDF), added by Farah the first time."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from fascia.clinics.credentials import CredentialDetails, credential_add
    from fascia.clinics.models import Credential, CredentialKind

    held = Credential.objects.filter(user=dataset.kiran, title="Cupping therapy").first()
    return (
        held
        or credential_add(
            holder=dataset.kiran,
            details=CredentialDetails(
                kind=CredentialKind.OTHER,
                title="Cupping therapy",
                issuer="Indian Association of Physiotherapists",
                valid_from=dataset.episode.opened_on,
            ),
            evidence=SimpleUploadedFile("certificate.pdf", b"%PDF-1.7\n%%EOF\n"),
            by=dataset.farah,
        )
    ).pk


def _credential_to_check(dataset: Any) -> int:
    """The id of a dry-needling credential Kiran added himself the first time: it waits for
    someone who manages him to check it."""
    from fascia.clinics.credentials import CredentialDetails, credential_add
    from fascia.clinics.models import Credential, CredentialKind

    held = Credential.objects.filter(user=dataset.kiran, checked_by__isnull=True).first()
    return (
        held
        or credential_add(
            holder=dataset.kiran,
            details=CredentialDetails(
                kind=CredentialKind.DRY_NEEDLING,
                title="Dry needling — level 1",
                issuer="Indian Association of Physiotherapists",
                valid_from=dataset.episode.opened_on,
            ),
            evidence=None,
            by=dataset.kiran,
        )
    ).pk


def _adverse_event(dataset: Any) -> int:
    """The id of a draft adverse event of Kavya's first session (bruising she reported)."""
    from fascia.treatment.adverse_events import adverse_event_draft
    from fascia.treatment.models import AdverseEvent, TreatmentSession

    event = AdverseEvent.objects.filter(session__episode=dataset.episode).first()
    if event is None:
        session = TreatmentSession.objects.get(pk=_session(dataset))
        event = adverse_event_draft(session, "bruising", "A bruise where the needle went in.")
    return event.pk


def _episode_with_a_draft_session(dataset: Any) -> int:
    """Kavya's episode once its first session is started: another waits until it is signed."""
    _session(dataset)
    return dataset.episode.pk


def _session_part(answer: Answer, **parameters: Callable[[Any], object]) -> Row:
    """A post to a part of Kavya's draft session: `answer` for Arjun, who is recording it;
    his colleagues read it but are refused any change (409)."""
    row = staff(ok=BANGALORE_CLINICAL, method="POST", answer=answer)
    return replace(
        row.but(kiran=Answer(409), farah=Answer(409)),
        parameters={"session_id": _session, **parameters},
    )


def _appointment(dataset: Any) -> int:
    """The id of Kavya's review appointment with Arjun at Bangalore, tomorrow at 10:00, made
    the first time (a review: no session is started from it)."""
    import datetime as dt

    from fascia.scheduling.models import Appointment, AppointmentKind, AppointmentType

    kind, _created = AppointmentType.objects.get_or_create(
        pathway_id="access-table",
        name="Review",
        defaults={"kind": AppointmentKind.REVIEW, "minutes": 30},
    )
    tomorrow = dt.datetime.now(dt.UTC).date() + dt.timedelta(days=1)
    starts = dt.datetime.combine(tomorrow, dt.time(10), dt.UTC)
    appointment, _created = Appointment.objects.get_or_create(
        clinic=dataset.clinic,
        practitioner=dataset.arjun,
        patient=dataset.patient,
        type=kind,
        defaults={"starts_at": starts, "ends_at": starts + dt.timedelta(minutes=30)},
    )
    return appointment.pk


APPOINTMENT = {"appointment_id": _appointment}


def _message(dataset: Any) -> int:
    """The id of a reminder to Kavya that failed for good at the Bangalore clinic, made the
    first time."""
    from fascia.messaging.models import Channel, Message, MessageStatus

    message, _created = Message.objects.get_or_create(
        key="access-table:failed",
        defaults={
            "clinic": dataset.clinic,
            "patient": dataset.patient,
            "template": "appointment_reminder",
            "channel": Channel.SMS,
            "status": MessageStatus.FAILED,
            "attempts": 5,
            "error": "The gateway refused the message (HTTP 400): invalid number",
        },
    )
    return message.pk


MESSAGE = {"message_id": _message}
APPOINTMENTS_ANYWHERE = CONTACTS_ANYWHERE
PRACTITIONERS = (*BANGALORE_CLINICAL, "meera")


def _appointment_request(dataset: Any) -> int:
    """The id of a patient's request (Sunil's enquiry) for a first assessment with Kiran at
    Bangalore, the day after tomorrow at 10:00, made the first time."""
    import datetime as dt

    from fascia.scheduling.models import (
        Appointment,
        AppointmentKind,
        AppointmentStatus,
        AppointmentType,
    )

    kind, _created = AppointmentType.objects.get_or_create(
        pathway_id="access-table",
        name="Initial assessment",
        defaults={"kind": AppointmentKind.ASSESSMENT, "minutes": 45},
    )
    day = dt.datetime.now(dt.UTC).date() + dt.timedelta(days=2)
    starts = dt.datetime.combine(day, dt.time(10), dt.UTC)
    request, _created = Appointment.objects.get_or_create(
        clinic=dataset.clinic,
        practitioner=dataset.kiran,
        enquiry=dataset.enquiry,
        type=kind,
        status=AppointmentStatus.REQUESTED,
        defaults={"starts_at": starts, "ends_at": starts + dt.timedelta(minutes=45)},
    )
    return request.pk


def _leave(dataset: Any) -> int:
    """The id of a week of Kiran's leave at Bangalore, added by Farah the first time."""
    import datetime as dt

    from fascia.scheduling.models import Leave

    first = dt.datetime.now(dt.UTC).date() + dt.timedelta(days=30)
    leave, _created = Leave.objects.get_or_create(
        practitioner=dataset.kiran,
        clinic=dataset.clinic,
        first_day=first,
        defaults={"last_day": first + dt.timedelta(days=6), "created_by": dataset.farah},
    )
    return leave.pk


def _appointment_type(dataset: Any) -> int:
    from fascia.scheduling.models import AppointmentKind, AppointmentType

    kind, _created = AppointmentType.objects.get_or_create(
        pathway_id="access-table",
        name="Initial assessment",
        defaults={"kind": AppointmentKind.ASSESSMENT, "minutes": 45},
    )
    return kind.pk


# Schedules: whose schedule each persona sees at Bangalore (the dataset's is Kiran's): his
# own, the front desk's (to book), and those who manage him (managers, administrators).
KIRANS_SCHEDULE = ("priya", "kiran", "farah", "asha")
SCHEDULE_AREA = (*CONTACTS_ANYWHERE, "asha")


ROWS: dict[str, Row] = {
    # The start page and the episode page (fascia/workspace/urls.py).
    # An administrator with no clinic role has no start page: the staff list is theirs.
    "workspace:start": staff(ok=STAFF_AREA).but(asha=redirect("staff:list")),
    "staff:home": staff(ok=STAFF_AREA).but(asha=redirect("staff:list")),
    "workspace:episode": staff(ok=BANGALORE_CLINICAL),
    # Patients (fascia/records/views/patients.py).
    "records:patient_list": staff(ok=CONTACTS_ANYWHERE),
    "records:patient_new": staff(ok=CONTACTS_ANYWHERE),
    "records:patient": staff(ok=BANGALORE_CONTACTS),
    "records:patient_edit": staff(ok=BANGALORE_CONTACTS),
    "records:episode_new": staff(ok=BANGALORE_CONTACTS),
    # Private links: the front desk sends them (contacts), never reads the answers.
    "records:links": staff(ok=BANGALORE_CONTACTS),
    "records:link_new": staff(ok=BANGALORE_CONTACTS, method="POST"),
    "records:link_email": staff(ok=BANGALORE_CONTACTS, method="POST", answer=TO_LINKS),
    "records:link_revoke": staff(ok=BANGALORE_CONTACTS, method="POST", answer=TO_LINKS),
    # Screening, judgement, alerts, assessment, consent: clinical.
    "records:screening": staff(ok=BANGALORE_CLINICAL),
    "records:screening_review": staff(ok=BANGALORE_CLINICAL),
    "records:judgement": staff(ok=BANGALORE_CLINICAL, method="POST"),
    "records:alert_acknowledge": staff(ok=BANGALORE_CLINICAL, method="POST"),
    "records:assessment_new": staff(ok=BANGALORE_CLINICAL),
    "records:assessment": staff(ok=BANGALORE_CLINICAL),
    "records:consent": staff(ok=BANGALORE_CLINICAL),
    "records:consent_withdraw": staff(ok=BANGALORE_CLINICAL),
    # A patient's data rights (fascia/records/views/data_rights.py): consent to be contacted
    # and requests are contact work; corrections of clinical text are clinical. An empty
    # form comes back with its errors, or goes back to the page with a message.
    "records:patient_data": staff(ok=BANGALORE_CONTACTS),
    "records:contact_consent_give": staff(ok=BANGALORE_CONTACTS, method="POST"),
    "records:contact_consent_withdraw": staff(
        ok=BANGALORE_CONTACTS, method="POST", answer=redirect("records:patient")
    ),
    "records:data_request_new": staff(ok=BANGALORE_CONTACTS, method="POST"),
    "records:data_request_close": replace(
        staff(ok=BANGALORE_CONTACTS, method="POST", answer=redirect("records:patient_data")),
        parameters={"request_id": _data_request},
    ),
    "records:assessment_amend": staff(ok=BANGALORE_CLINICAL),
    "records:screening_amend": replace(
        staff(ok=BANGALORE_CLINICAL), parameters={"screening_id": _screening}
    ),
    # A copy of everything (clinical) and erasure (contacts): fascia/workspace/data_views.py.
    "workspace:patient_export": staff(ok=BANGALORE_CLINICAL),
    "workspace:patient_erase": staff(
        ok=BANGALORE_CONTACTS, method="POST", answer=redirect("records:patient_data")
    ),
    # The enquiry inbox (fascia/enquiries/inbox_urls.py); the dataset's enquiry is Bangalore's.
    "inbox:list": staff(ok=ENQUIRIES_ANYWHERE),
    "inbox:export": staff(ok=ENQUIRIES_ANYWHERE),
    "inbox:detail": staff(ok=BANGALORE_CONTACTS),
    "inbox:status": staff(ok=BANGALORE_CONTACTS, method="POST", answer=TO_ENQUIRY),
    "inbox:note": staff(ok=BANGALORE_CONTACTS, method="POST", answer=TO_ENQUIRY),
    "inbox:assign": staff(ok=BANGALORE_CONTACTS, method="POST", answer=TO_ENQUIRY),
    "inbox:callback_due": staff(ok=BANGALORE_CONTACTS, method="POST", answer=TO_ENQUIRY),
    "inbox:call": staff(ok=BANGALORE_CONTACTS, method="POST", answer=TO_ENQUIRY),
    "inbox:erase": staff(ok=BANGALORE_CONTACTS),
    "inbox:convert": staff(ok=BANGALORE_CONTACTS),
    # Signing in and out, invitations (fascia/clinics/urls.py).
    "staff:login": everyone(redirect("staff:home")).but(anonymous=OK),
    "staff:logout": everyone(redirect("staff:login"), method="POST"),
    "staff:invitation": everyone(OK),
    # Forgotten passwords: the same answers whoever asks (fascia/clinics/two_factor.py).
    "staff:password_reset": everyone(OK),
    "staff:password_reset_sent": everyone(OK),
    "staff:password_reset_confirm": everyone(OK),
    # The second factor and one's own account: anyone signed in, for their own account. A
    # session that has given the second factor goes straight on from the code page.
    "staff:two_factor": everyone(redirect("staff:home")).but(anonymous=LOGIN),
    "staff:two_factor_setup": everyone(OK).but(anonymous=LOGIN),
    "staff:recovery_codes": everyone(OK, method="POST").but(anonymous=LOGIN),
    "staff:account": everyone(OK).but(anonymous=LOGIN),
    "staff:sign_out_everywhere": everyone(redirect("staff:login"), method="POST").but(
        anonymous=LOGIN
    ),
    # Staff and clinic records: the dataset's staff member is Kiran (Bangalore).
    "staff:list": staff(ok=STAFF_MANAGERS),
    "staff:add": staff(ok=STAFF_MANAGERS),
    "staff:detail": staff(ok=STAFF_MANAGERS),
    "staff:membership_grant": staff(ok=STAFF_MANAGERS, method="POST", answer=TO_MEMBER),
    # Farah's last membership of Kiran's: Kiran leaves her list.
    "staff:membership_revoke": staff(ok=STAFF_MANAGERS, method="POST", answer=TO_MEMBER).but(
        farah=redirect("staff:list")
    ),
    "staff:deactivate": staff(ok=STAFF_MANAGERS, method="POST", answer=TO_MEMBER),
    "staff:reactivate": staff(ok=STAFF_MANAGERS, method="POST", answer=TO_MEMBER),
    # A manager is told the role is not theirs to set, and nothing changes.
    "staff:organisation_role": staff(ok=ADMINISTRATORS, method="POST", answer=TO_MEMBER).but(
        farah=TO_MEMBER
    ),
    "staff:invitation_resend": staff(ok=STAFF_MANAGERS, method="POST", answer=TO_MEMBER),
    # Administrators reset a colleague's second factor; a manager is told it is not theirs.
    "staff:second_factor_reset": staff(ok=ADMINISTRATORS, method="POST", answer=TO_MEMBER).but(
        farah=TO_MEMBER
    ),
    "staff:clinic_list": staff(ok=STAFF_MANAGERS),
    "staff:clinic_add": staff(ok=ADMINISTRATORS),
    "staff:clinic_detail": staff(ok=STAFF_MANAGERS),
    "staff:clinic_deactivate": staff(ok=ADMINISTRATORS, method="POST", answer=TO_CLINIC),
    "staff:clinic_reactivate": staff(ok=ADMINISTRATORS, method="POST", answer=TO_CLINIC),
    # The audit trail (fascia/clinics/audit_views.py): managers for their clinics,
    # administrators for all.
    "staff:audit": staff(ok=STAFF_MANAGERS),
    "staff:audit_export": staff(ok=STAFF_MANAGERS),
    "staff:audit_verify": staff(ok=STAFF_MANAGERS),
    # The care plan and home exercises (fascia/treatment/views/care_plan.py): clinical. The
    # programme is Kavya's exercises, given by Arjun when a URL first needs it.
    "treatment:care_plan": staff(ok=BANGALORE_CLINICAL),
    "treatment:exercises": staff(ok=BANGALORE_CLINICAL),
    "treatment:exercise_link": replace(
        staff(ok=BANGALORE_CLINICAL, method="POST"), parameters=PROGRAMME
    ),
    "treatment:exercise_handout": replace(staff(ok=BANGALORE_CLINICAL), parameters=PROGRAMME),
    # Outcomes and discharge (fascia/treatment/views/outcomes.py): clinical. The summary PDF
    # is of a second episode of Kavya's, discharged; her episode in the dataset is open.
    "treatment:outcome_chart": staff(ok=BANGALORE_CLINICAL),
    "treatment:session_measures": replace(
        staff(ok=BANGALORE_CLINICAL), parameters={"session_id": _session}
    ),
    "treatment:discharge": staff(ok=BANGALORE_CLINICAL),
    "treatment:discharge_summary": replace(
        staff(ok=BANGALORE_CLINICAL), parameters={"episode_id": _discharged_episode}
    ),
    # Credentials (fascia/clinics/credential_views.py): everyone's own; Kiran's for those who
    # manage him. Withdrawing goes back to the holder's own page or to the staff member's.
    "staff:my_credentials": staff(ok=STAFF_AREA),
    "staff:my_credential_add": staff(ok=STAFF_AREA),
    "staff:credential_add": staff(ok=STAFF_MANAGERS),
    "staff:credential_withdraw": staff(
        ok=("kiran", *STAFF_MANAGERS), method="POST", answer=TO_MEMBER
    ).but(kiran=redirect("staff:my_credentials")),
    "staff:credential_evidence": staff(ok=("kiran", *STAFF_MANAGERS)),
    # Checking a credential Kiran added himself: those who manage him; Kiran, who sees it,
    # is told he cannot check his own (409) and nothing changes.
    "staff:credential_check": replace(
        staff(ok=STAFF_MANAGERS, method="POST", answer=TO_MEMBER).but(kiran=Answer(409)),
        parameters={"credential_id": _credential_to_check},
    ),
    # Adverse events (fascia/treatment/views/adverse_events.py): clinical. The register
    # shows each physiotherapist and manager their own clinics'; the event is Kavya's draft,
    # and dismissing it with an empty form is refused (400) with the form's error.
    "treatment:adverse_events": staff(ok=(*BANGALORE_CLINICAL, "meera")),
    "treatment:adverse_event_new": replace(
        staff(ok=BANGALORE_CLINICAL), parameters={"session_id": _session}
    ),
    "treatment:adverse_event": staff(ok=BANGALORE_CLINICAL),
    "treatment:adverse_event_dismiss": staff(
        ok=BANGALORE_CLINICAL, method="POST", answer=Answer(400)
    ),
    # Treatment sessions (fascia/treatment/views/sessions.py): clinical. Only Arjun, who is
    # recording Kavya's draft session, changes it; an empty form is refused (400) or, where
    # every field may be blank, recorded (back to the session). Starting another session
    # waits for the draft (back to the episode with a message). Signing an empty session
    # (no needling) is allowed.
    "treatment:session_new": replace(
        staff(ok=BANGALORE_CLINICAL, method="POST", answer=redirect("workspace:episode")),
        parameters={"episode_id": _episode_with_a_draft_session},
    ),
    "treatment:session": replace(staff(ok=BANGALORE_CLINICAL), parameters={"session_id": _session}),
    "treatment:session_recheck": _session_part(Answer(400)),
    "treatment:session_steps": _session_part(redirect("treatment:session")),
    "treatment:session_needling": _session_part(Answer(400)),
    "treatment:session_needling_remove": _session_part(Answer(409), insertion_id=constant(0)),
    "treatment:session_count": _session_part(Answer(400)),
    "treatment:session_components": _session_part(redirect("treatment:session")),
    "treatment:session_pain": _session_part(redirect("treatment:session")),
    "treatment:session_aftercare": _session_part(Answer(400)),
    "treatment:session_sign": _session_part(redirect("treatment:session")),
    # An addendum is for a signed session: the draft refuses it (an empty one: 400).
    "treatment:session_addendum": replace(
        staff(ok=BANGALORE_CLINICAL, method="POST", answer=Answer(400)),
        parameters={"session_id": _session},
    ),
    # Appointments (fascia/scheduling/urls.py): the day and week of one's own clinics; an
    # appointment for everyone with appointments in its clinic. An empty status form is
    # refused (400); starting a session from a review is refused, back to the appointment.
    "schedule:day": staff(ok=APPOINTMENTS_ANYWHERE),
    "schedule:week": staff(ok=APPOINTMENTS_ANYWHERE),
    "schedule:appointment": replace(staff(ok=BANGALORE_CONTACTS), parameters=APPOINTMENT),
    "schedule:appointment_status": replace(
        staff(ok=BANGALORE_CONTACTS, method="POST", answer=Answer(400)), parameters=APPOINTMENT
    ),
    "schedule:appointment_session": replace(
        staff(ok=BANGALORE_CONTACTS, method="POST", answer=redirect("schedule:appointment")),
        parameters=APPOINTMENT,
    ),
    # One's own calendar feed: the practitioners (clinical somewhere).
    "schedule:feed": staff(ok=PRACTITIONERS),
    "schedule:feed_new": staff(ok=PRACTITIONERS, method="POST"),
    "schedule:feed_off": staff(ok=PRACTITIONERS, method="POST", answer=redirect("schedule:feed")),
    # Messages needing attention (fascia/messaging/views.py): contact work, one's own clinics'
    # in the list; the message is a failed reminder to Kavya. Trying again goes back to the
    # message (with a message when it cannot be sent); an empty note is refused (400).
    "outbox:attention": staff(ok=CONTACTS_ANYWHERE),
    "outbox:message": replace(staff(ok=BANGALORE_CONTACTS), parameters=MESSAGE),
    "outbox:retry": replace(
        staff(ok=BANGALORE_CONTACTS, method="POST", answer=redirect("outbox:message")),
        parameters=MESSAGE,
    ),
    "outbox:resolve": replace(
        staff(ok=BANGALORE_CONTACTS, method="POST", answer=Answer(400)), parameters=MESSAGE
    ),
    # Booking, patients' requests, schedules and appointment types
    # (fascia/scheduling/views/booking.py, views/schedules.py). The booking page without a
    # patient or an enquiry says to start from one; an empty request decline is refused.
    "booking:book": staff(ok=CONTACTS_ANYWHERE),
    "booking:requests": staff(ok=CONTACTS_ANYWHERE),
    "booking:request_confirm": replace(
        staff(ok=BANGALORE_CONTACTS, method="POST", answer=redirect("booking:requests")),
        parameters={"appointment_id": _appointment_request},
    ),
    "booking:request_decline": replace(
        staff(ok=BANGALORE_CONTACTS, method="POST", answer=Answer(400)),
        parameters={"appointment_id": _appointment_request},
    ),
    "booking:schedules": staff(ok=SCHEDULE_AREA),
    "booking:schedule": staff(ok=KIRANS_SCHEDULE),
    "booking:leave_new": staff(ok=STAFF_MANAGERS, method="POST", answer=Answer(400)),
    "booking:leave_remove": replace(
        staff(ok=STAFF_MANAGERS, method="POST", answer=redirect("booking:schedule")),
        parameters={"leave_id": _leave},
    ),
    "booking:types": staff(ok=STAFF_MANAGERS),
    "booking:type_new": staff(ok=STAFF_MANAGERS),
    "booking:type_edit": replace(
        staff(ok=STAFF_MANAGERS), parameters={"type_id": _appointment_type}
    ),
}

# Wagtail's admin: content editors (Wagtail's "Moderators" group) reach every view, which
# may then answer 404 for the made-up ids the walk fills in; everyone else is sent to the
# CMS sign-in page, as Wagtail does. Django's admin: only Django superusers, which no
# persona is (`manage.py setup` makes the first administrator one).
CMS = Row({**dict.fromkeys(EVERYONE, CMS_LOGIN), "neha": REACHES}, allowed=frozenset({"neha"}))
DJANGO_ADMIN = Row(dict.fromkeys(EVERYONE, ADMIN_LOGIN), allowed=frozenset())

# Patterns under the groups that answer otherwise, or need parameters of their own.
ROWS |= {
    # Wagtail's page that raises an error on purpose, to test error reporting.
    "wagtailadmin_error_test": replace(CMS, answers={**CMS.answers, "neha": Answer(500)}),
    "admin:app_list": replace(DJANGO_ADMIN, parameters={"app_label": constant("auth")}),
    # Open to everyone: the sign-in pages, the CMS's icons and translations, and Wagtail's
    # own password reset (which, like ours, ends at the sign-in page and its second factor).
    "wagtailadmin_login": everyone(OK).but(neha=redirect("wagtailadmin_home")),
    "wagtailadmin_sprite": everyone(OK),
    "wagtailadmin_javascript_catalog": everyone(OK),
    "wagtailadmin_password_reset": everyone(OK),
    "wagtailadmin_password_reset_done": everyone(OK),
    "wagtailadmin_password_reset_confirm": everyone(OK),
    "wagtailadmin_password_reset_complete": everyone(OK),
    "admin:login": everyone(OK),
    # Django's admin signs out only its own users; anyone else is sent to its index.
    "admin:logout": everyone(redirect("admin:index")),
}

GROUPS: dict[str, Row] = {
    "cms/": CMS,
    "django-admin/": DJANGO_ADMIN,
}


PARAMETERS: dict[str, Callable[[Any], object]] = {
    # The staff area: Bangalore's records.
    "episode_id": data("episode.pk"),
    "patient_id": data("patient.pk"),
    "reference": data("enquiry.reference"),
    "link_id": data("link.pk"),
    "alert_id": data("alert.pk"),
    "assessment_id": data("assessment.pk"),
    "consent_id": data("consent.pk"),
    "user_id": data("kiran.pk"),
    "membership_id": data("membership.pk"),
    "clinic_id": data("clinic.pk"),
    "credential_id": _credential,
    "event_id": _adverse_event,
    "uidb64": constant("MQ"),
    "token": constant("set-password"),
    # Wagtail's admin: made-up ids and the site's own models.
    "pk": constant(1),
    "page_id": data("home_page_id"),
    "parent_page_id": data("home_page_id"),
    "page_to_move_id": data("home_page_id"),
    "destination_id": data("home_page_id"),
    "page_pk": data("home_page_id"),
    "app_label": constant("website"),
    "app_name": constant("website"),
    "content_type_app_name": constant("website"),
    "model_name": constant("symptom"),
    "content_type_model_name": constant("conditionpage"),
    "action_name": constant("edit"),
    "action": constant("edit"),
    "object_id": constant("1"),
    "filter_spec": constant("original"),
    "revision_id_a": constant("earliest"),
    "revision_id_b": constant("latest"),
    # Django's admin.
    "content_type_id": constant("1"),
    "url": constant("no-such-page/"),
}
# Under /cms/ and /django-admin/, every other integer parameter (image_id, document_id,
# revision_id, ...) is 1; under /app/ every parameter needs its entry above.
DEFAULT_INTEGER = 1
