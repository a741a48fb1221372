"""The clinical record: patients, episodes of care and what is recorded in them.

An `Episode` is one course of care for one condition under one pathway; the pathway's id,
version and file hash are stored with it, and every screening, assessment, measurement and
consent in it was made against that pathway. Decisions the engine made are stored with the
answers they were made from and are never recomputed: a clinician's review is a new
`Screening`, and the old one stays.

Who may see what is `fascia.clinics.permissions`; reading and writing go through
`queries.py` and `actions.py`, which write the audit chain in the same transaction.
"""

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from phonenumber_field.modelfields import PhoneNumberField


class Sex(models.TextChoices):
    FEMALE = "female", _("Female")
    MALE = "male", _("Male")
    OTHER = "other", _("Other")
    NOT_SAID = "not_said", _("Prefers not to say")


class Language(models.TextChoices):
    """Languages the Bangalore and Hyderabad clinics speak with patients."""

    ENGLISH = "en", _("English")
    KANNADA = "kn", _("Kannada")
    TELUGU = "te", _("Telugu")
    HINDI = "hi", _("Hindi")
    TAMIL = "ta", _("Tamil")
    MALAYALAM = "ml", _("Malayalam")
    URDU = "ur", _("Urdu")


class Patient(models.Model):
    clinic = models.ForeignKey(
        "clinics.Clinic",
        verbose_name=_("registered at"),
        on_delete=models.PROTECT,
        related_name="patients",
    )
    full_name = models.CharField(_("full name"), max_length=200)
    date_of_birth = models.DateField(_("date of birth"), null=True, blank=True)
    sex = models.CharField(_("sex"), max_length=10, choices=Sex.choices, blank=True)
    mobile = PhoneNumberField(_("mobile number"), blank=True, db_index=True)
    email = models.EmailField(_("email"), max_length=254, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    preferred_language = models.CharField(
        _("preferred language"), max_length=5, choices=Language.choices, default=Language.ENGLISH
    )
    emergency_contact_name = models.CharField(
        _("emergency contact's name"), max_length=200, blank=True
    )
    emergency_contact_phone = PhoneNumberField(_("emergency contact's number"), blank=True)
    abha_number = models.CharField(
        _("ABHA number"),
        max_length=14,
        blank=True,
        db_index=True,
        help_text=_("Ayushman Bharat Health Account number: 14 digits, stored without dashes"),
    )
    created_at = models.DateTimeField(_("registered"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )

    class Meta:
        verbose_name = _("patient")
        ordering = ["full_name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["abha_number"],
                condition=~models.Q(abha_number=""),
                name="records_patient_abha_unique",
            )
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def abha_display(self) -> str:
        """The ABHA number as people write it: XX-XXXX-XXXX-XXXX."""
        n = self.abha_number
        return f"{n[:2]}-{n[2:6]}-{n[6:10]}-{n[10:]}" if n else ""


class EpisodeStatus(models.TextChoices):
    SCREENING = "screening", _("Screening")
    ASSESSMENT = "assessment", _("Assessment")
    TREATMENT = "treatment", _("Treatment")
    REVIEW = "review", _("Review")
    DISCHARGED = "discharged", _("Discharged")
    REFERRED = "referred", _("Referred")
    NOT_SUITABLE = "not_suitable", _("Not suitable")


CLOSED_STATUSES = frozenset(
    {EpisodeStatus.DISCHARGED, EpisodeStatus.REFERRED, EpisodeStatus.NOT_SUITABLE}
)


class Episode(models.Model):
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="episodes")
    clinic = models.ForeignKey(
        "clinics.Clinic", verbose_name=_("clinic"), on_delete=models.PROTECT, related_name="+"
    )
    physiotherapist = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("responsible physiotherapist"),
        on_delete=models.PROTECT,
        related_name="episodes",
        null=True,
        blank=True,
    )
    condition = models.CharField(_("condition"), max_length=200)
    pathway_id = models.CharField(_("pathway"), max_length=100)
    pathway_version = models.PositiveIntegerField(_("pathway version"))
    pathway_sha256 = models.CharField(_("pathway file hash"), max_length=64)
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=EpisodeStatus.choices,
        default=EpisodeStatus.SCREENING,
        db_index=True,
    )
    opened_on = models.DateField(_("opened"), default=timezone.localdate)
    closed_on = models.DateField(_("closed"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )

    class Meta:
        verbose_name = _("episode")
        ordering = ["-opened_on", "-pk"]
        indexes = [models.Index(fields=["clinic", "status"])]

    def __str__(self) -> str:
        return f"{self.patient} · {self.condition} ({self.opened_on:%d %b %Y})"

    @property
    def is_open(self) -> bool:
        return self.status not in CLOSED_STATUSES


class Respondent(models.TextChoices):
    PATIENT = "patient", _("Patient")
    CLINICIAN = "clinician", _("Clinician")


class Screening(models.Model):
    """Screening answers and the engine's decision on them, stored together.

    A patient's screening through a private link is saved as it goes (`completed_at` empty);
    on completion the decision is computed once and stored. A clinician's screening or review
    of the same questions is another row; the episode's current screening is its latest
    completed one.
    """

    episode = models.ForeignKey(Episode, on_delete=models.PROTECT, related_name="screenings")
    respondent = models.CharField(max_length=10, choices=Respondent.choices)
    answers = models.JSONField(default=dict)
    pathway_id = models.CharField(max_length=100)
    pathway_version = models.PositiveIntegerField()
    pathway_sha256 = models.CharField(max_length=64)
    started_at = models.DateTimeField(auto_now_add=True)
    completed_at = models.DateTimeField(null=True, blank=True, db_index=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        help_text=_("Empty when the patient answered through a private link"),
    )
    # The decision, as the engine made it on completion (see fascia.pathways.triage).
    outcome = models.CharField(max_length=40, blank=True)
    safety_outcome = models.CharField(max_length=40, blank=True)
    fit_status = models.CharField(max_length=40, blank=True)
    fired = models.JSONField(
        default=list, help_text=_("The rules that fired: id, outcome, messages, sources")
    )
    unanswered = models.JSONField(default=list)

    class Meta:
        verbose_name = _("screening")
        ordering = ["-completed_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.episode} · screening {self.pk}"

    @property
    def is_complete(self) -> bool:
        return self.completed_at is not None


class Judgement(models.TextChoices):
    PROCEED = "proceed", _("Proceed")
    PROCEED_WITH_PRECAUTIONS = "proceed_with_precautions", _("Proceed with precautions")
    REFER = "refer", _("Refer")
    NOT_SUITABLE = "not_suitable", _("Not suitable")


class ClinicalJudgement(models.Model):
    """A physiotherapist's recorded judgement on a screening that needs one."""

    screening = models.ForeignKey(Screening, on_delete=models.PROTECT, related_name="judgements")
    judgement = models.CharField(_("judgement"), max_length=30, choices=Judgement.choices)
    reason = models.TextField(_("reason"), max_length=2000)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("clinical judgement")
        ordering = ["-recorded_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_judgement_display()} ({self.recorded_at:%Y-%m-%d})"


class LinkKind(models.TextChoices):
    SCREENING = "screening", _("Screening questions")
    LEFS = "lefs", _("Lower Extremity Functional Scale")


def new_link_token() -> str:
    return secrets.token_urlsafe(32)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def default_link_expiry():
    return timezone.now() + timedelta(days=settings.FASCIA_PATIENT_LINK_DAYS)


class PatientLink(models.Model):
    """A private link for the patient (`/check/<token>/`): no account, expires, used once.

    Only the token's SHA-256 is stored; the token itself is shown once, to the staff member
    who creates the link, and is in the link the patient gets.
    """

    episode = models.ForeignKey(Episode, on_delete=models.PROTECT, related_name="links")
    kind = models.CharField(max_length=20, choices=LinkKind.choices)
    token_sha256 = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    expires_at = models.DateTimeField(default=default_link_expiry)
    completed_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    screening = models.OneToOneField(
        Screening, on_delete=models.PROTECT, null=True, blank=True, related_name="link"
    )
    answers = models.JSONField(
        default=dict, help_text=_("Answers saved as the patient goes (LEFS links)")
    )

    class Meta:
        verbose_name = _("patient link")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} link for {self.episode}"

    def is_usable(self, now=None) -> bool:
        now = now or timezone.now()
        return self.completed_at is None and self.revoked_at is None and now < self.expires_at


class AlertKind(models.TextChoices):
    EMERGENCY = "emergency", _("Emergency referral")
    CLINICIAN_REVIEW = "clinician_review", _("Needs a physiotherapist's review")
    ADVERSE_EVENT = "adverse_event", _("Significant adverse event")
    FOLLOW_UP = "follow_up", _("Follow-up answer needs action")


class Alert(models.Model):
    """Something a clinician must act on; it stays open until acknowledged with a note."""

    episode = models.ForeignKey(Episode, on_delete=models.PROTECT, related_name="alerts")
    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=20, choices=AlertKind.choices)
    message = models.TextField()
    screening = models.ForeignKey(
        Screening, on_delete=models.PROTECT, null=True, blank=True, related_name="alerts"
    )
    raised_at = models.DateTimeField(auto_now_add=True, db_index=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    acknowledgement = models.TextField(_("note"), max_length=2000, blank=True)

    class Meta:
        verbose_name = _("alert")
        ordering = ["-raised_at", "-pk"]
        indexes = [models.Index(fields=["clinic", "acknowledged_at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.episode_id}"

    @property
    def is_open(self) -> bool:
        return self.acknowledged_at is None


class Assessment(models.Model):
    """The physiotherapist's examination, made from the pathway's examination section.

    `history`, `special_tests` and `range_of_motion` hold the structured findings as the
    engine validated them (see `fascia.pathways.examination`); trigger points and scored
    measures are rows of their own.
    """

    episode = models.ForeignKey(Episode, on_delete=models.PROTECT, related_name="assessments")
    pathway_version = models.PositiveIntegerField()
    pathway_sha256 = models.CharField(max_length=64)
    assessed_at = models.DateTimeField(default=timezone.now)
    assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    history = models.JSONField(default=dict)
    special_tests = models.JSONField(default=list)
    range_of_motion = models.JSONField(default=list)
    diagnosis_code = models.CharField(_("working diagnosis (ICD-10)"), max_length=20, blank=True)
    diagnosis_side = models.CharField(_("side"), max_length=20, blank=True)
    findings = models.TextField(_("findings"), max_length=5000, blank=True)

    class Meta:
        verbose_name = _("assessment")
        ordering = ["-assessed_at", "-pk"]

    def __str__(self) -> str:
        return f"Assessment {self.assessed_at:%Y-%m-%d} · {self.episode_id}"


class TriggerPointKind(models.TextChoices):
    ACTIVE = "active", _("Active")
    LATENT = "latent", _("Latent")


class TriggerPoint(models.Model):
    assessment = models.ForeignKey(
        Assessment, on_delete=models.CASCADE, related_name="trigger_points"
    )
    muscle = models.CharField(max_length=60)
    side = models.CharField(max_length=10)
    kind = models.CharField(max_length=10, choices=TriggerPointKind.choices)

    class Meta:
        verbose_name = _("trigger point")
        ordering = ["muscle", "side"]
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "muscle", "side"], name="records_trigger_point_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.muscle} ({self.side}, {self.kind})"


class Measurement(models.Model):
    """One scored outcome measure (NPRS, LEFS, PSFS, sitting tolerance …) for an episode.

    `value` is the engine's score; `items` the item answers it was scored from (LEFS items,
    PSFS activities). `qualifier` tells apart several ratings of one measure taken together
    (NPRS now, worst and least in the last week). Assessments add these rows, and so do
    later treatment sessions.
    """

    episode = models.ForeignKey(Episode, on_delete=models.PROTECT, related_name="measurements")
    measure = models.CharField(max_length=40)
    qualifier = models.CharField(max_length=20, blank=True)
    value = models.DecimalField(max_digits=8, decimal_places=2)
    items = models.JSONField(default=dict, blank=True)
    taken_at = models.DateTimeField(default=timezone.now, db_index=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        help_text=_("Empty when the patient answered through a private link"),
    )
    assessment = models.ForeignKey(
        Assessment, on_delete=models.PROTECT, null=True, blank=True, related_name="measurements"
    )
    session_number = models.PositiveSmallIntegerField(
        _("treatment session"),
        null=True,
        blank=True,
        help_text=_("The number in the episode of the treatment session it was taken at"),
    )

    class Meta:
        verbose_name = _("measurement")
        ordering = ["taken_at", "pk"]
        indexes = [models.Index(fields=["episode", "measure", "taken_at"])]

    def __str__(self) -> str:
        return f"{self.measure} {self.value}"

    @property
    def item_pairs(self) -> list[tuple[str, object]]:
        """The items as (name, answer), in the same order on every database: PostgreSQL's
        jsonb keeps keys in an order of its own, not the order they were written in, so
        they are sorted by name (a PSFS's activities, a LEFS's item ids)."""
        return sorted(self.items.items(), key=lambda pair: (pair[0].casefold(), pair[0]))


class Consent(models.Model):
    """Consent to dry needling: the text shown, who explained it, and its withdrawal.

    A consent is never deleted; withdrawing records when, by whom and why.
    """

    episode = models.ForeignKey(Episode, on_delete=models.PROTECT, related_name="consents")
    text_version = models.CharField(max_length=100)
    text_sha256 = models.CharField(max_length=64)
    text = models.TextField()
    explained_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)
    patient_confirmed = models.BooleanField(_("the patient confirmed their consent"))
    interpreter_name = models.CharField(_("interpreter"), max_length=200, blank=True)
    interpreter_language = models.CharField(_("language interpreted"), max_length=50, blank=True)
    guardian_name = models.CharField(_("parent or guardian"), max_length=200, blank=True)
    guardian_relationship = models.CharField(_("relationship"), max_length=100, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    withdrawal_reason = models.TextField(max_length=2000, blank=True)

    class Meta:
        verbose_name = _("consent")
        ordering = ["-recorded_at", "-pk"]

    def __str__(self) -> str:
        return f"Consent {self.text_version} ({self.recorded_at:%Y-%m-%d})"

    @property
    def is_active(self) -> bool:
        return self.withdrawn_at is None


class Amendment(models.Model):
    """A correction to a clinical or contact record that keeps what it corrects.

    `target_type` and `target_id` name the record as the audit trail does; `field` the part
    corrected; `original` the value as it was, `corrected` the value now in force. Nothing is
    overwritten without one of these.
    """

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="amendments")
    target_type = models.CharField(max_length=60)
    target_id = models.CharField(max_length=40)
    field = models.CharField(_("what was corrected"), max_length=60)
    original = models.TextField(_("as it was"), blank=True)
    corrected = models.TextField(_("corrected to"), blank=True)
    reason = models.TextField(_("reason"), max_length=2000)
    requested_by_patient = models.BooleanField(_("the patient asked for it"), default=False)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("amendment")
        ordering = ["recorded_at", "pk"]
        indexes = [models.Index(fields=["target_type", "target_id"])]

    def __str__(self) -> str:
        return f"{self.target_type} {self.target_id} · {self.field}"


class DataRequestKind(models.TextChoices):
    ACCESS = "access", _("A copy of their data")
    CORRECTION = "correction", _("Correction")
    ERASURE = "erasure", _("Erasure")
    GRIEVANCE = "grievance", _("Grievance")


class DataRequestOutcome(models.TextChoices):
    DONE = "done", _("Done")
    REFUSED = "refused", _("Refused")
    OPEN = "open", _("Open")


class DataRequest(models.Model):
    """A request a person made about their personal data, and what was done about it.

    Kept for a patient, or for an enquiry by its reference (enquiries sit above records), so
    a refused erasure of a clinical record is on file with its reason.
    """

    patient = models.ForeignKey(
        Patient, on_delete=models.PROTECT, null=True, blank=True, related_name="data_requests"
    )
    enquiry_reference = models.CharField(max_length=20, blank=True)
    kind = models.CharField(_("request"), max_length=20, choices=DataRequestKind.choices)
    outcome = models.CharField(
        _("outcome"),
        max_length=20,
        choices=DataRequestOutcome.choices,
        default=DataRequestOutcome.OPEN,
    )
    reason = models.TextField(_("reason"), max_length=2000, blank=True)
    received_at = models.DateTimeField(_("received"), default=timezone.now)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)

    class Meta:
        verbose_name = _("data request")
        ordering = ["-received_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.patient_id or self.enquiry_reference}"


class ContactConsent(models.Model):
    """A patient's consent to be contacted (reminders, links, follow-ups), with the notice
    version they were shown. Withdrawing records when; every message sender asks
    `records.consent.may_contact` first."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="contact_consents")
    notice_version = models.CharField(_("privacy notice"), max_length=40)
    given_at = models.DateTimeField(_("given"), default=timezone.now)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    withdrawn_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)
    withdrawn_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )

    class Meta:
        verbose_name = _("contact consent")
        ordering = ["-given_at", "-pk"]

    def __str__(self) -> str:
        return f"Contact consent {self.notice_version} · {self.patient_id}"

    @property
    def is_active(self) -> bool:
        return self.withdrawn_at is None
