"""Converting an enquiry into a patient and an episode of care, in one transaction.

The patient is new (registered from the details staff confirmed) or one already registered;
the episode opens under the released pathway (`records.actions.episode_open`). The enquiry
is linked to the episode and becomes booked, straight from new if need be, since the call
that converts it is also the one that books. Everything is written together with its audit
events (the records' `patient.created` and `episode.opened`, the enquiry's
`enquiry.status_changed` and `enquiry.converted`), or nothing is. The consent to be
contacted that the enquiry form asked for becomes the patient's contact consent, under the
enquiry form's notice version, unless they already have one.
"""

from typing import TYPE_CHECKING

from django.db import transaction
from django.utils.translation import gettext as _

from fascia.records import data_rights
from fascia.records.actions import PatientDetails, episode_open, patient_create
from fascia.records.models import Episode, Patient

from . import events
from .actions import ActionError
from .models import Enquiry, Status

if TYPE_CHECKING:
    from fascia.accounts.models import User
    from fascia.clinics.models import Clinic


class AlreadyConverted(ActionError):
    """The enquiry was converted before; `episode` is the episode it became."""

    def __init__(self, episode: Episode):
        super().__init__(
            _("This enquiry was already converted into an episode of care for %(name)s.")
            % {"name": episode.patient}
        )
        self.episode = episode


def conversion_refused(enquiry: Enquiry) -> str:
    """Why `enquiry` cannot be converted ("" if it can, unless it already was)."""
    if enquiry.is_erased:
        return _("This enquiry was erased; it cannot become a patient's record.")
    if enquiry.status == Status.SPAM:
        return _("This enquiry is held as spam. If it is real, mark it “New” first.")
    return ""


def enquiry_convert(
    *,
    enquiry: Enquiry,
    patient: Patient | PatientDetails,
    clinic: "Clinic",
    physiotherapist: "User | None",
    by: "User",
    ip: str | None = None,
) -> Episode:
    """Open an episode at `clinic` for `patient` (a registered patient, or a new patient's
    details) from `enquiry`, and link the two. Returns the episode.

    Refused (ActionError) for an enquiry that was erased, is held as spam or was already
    converted (AlreadyConverted); records.actions.ActionError if the new patient cannot be
    registered (an ABHA number already in use).
    """
    with transaction.atomic():
        enquiry = Enquiry.objects.select_for_update().get(pk=enquiry.pk)
        if enquiry.episode_id is not None:
            raise AlreadyConverted(
                Episode.objects.select_related("patient").get(pk=enquiry.episode_id)
            )
        refused = conversion_refused(enquiry)
        if refused:
            raise ActionError(refused)
        new_patient = isinstance(patient, PatientDetails)
        if isinstance(patient, PatientDetails):
            patient = patient_create(patient, by=by, ip=ip)
        episode = episode_open(
            patient, clinic=clinic, physiotherapist=physiotherapist, by=by, ip=ip
        )
        if enquiry.consent_version and not data_rights.may_contact(patient):
            data_rights.contact_consent_give(
                patient,
                notice_version=data_rights.enquiry_notice_version(enquiry.consent_version),
                by=by,
                ip=ip,
            )
        old = enquiry.status
        enquiry.episode = episode
        enquiry.status = Status.BOOKED
        enquiry.save(update_fields=["episode", "status"])
        if old != Status.BOOKED:
            events.enquiry_status_changed(enquiry, by=by, old=old, new=Status.BOOKED, ip=ip)
        events.enquiry_converted(
            enquiry,
            by=by,
            episode_id=episode.pk,
            patient_id=patient.pk,
            new_patient=new_patient,
            ip=ip,
        )
    return episode
