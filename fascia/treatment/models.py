"""The course of care after assessment: treatment sessions, the care plan, home exercises,
adverse events and discharge.

A `TreatmentSession` is recorded at the couch against the episode's pathway
(`fascia.pathways.session`): the safety checklist, one `NeedleInsertion` row per muscle
treated, the needle counts (a mismatch needs a `NeedleIncident`), the other components
done, NPRS before and after, and the aftercare given. Once signed a session is locked;
corrections are `SessionAddendum` rows and the original stays as it was.

Who may see what is `fascia.clinics.permissions`; reading and writing go through
`queries.py` and `actions.py`, which write the audit chain (`records.events`) in the same
transaction.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fascia.records.models import Episode


class TreatmentSession(models.Model):
    episode = models.ForeignKey(
        Episode, on_delete=models.PROTECT, related_name="treatment_sessions"
    )
    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    number = models.PositiveSmallIntegerField(_("session number"))
    physiotherapist = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    started_at = models.DateTimeField(_("date and time"), default=timezone.now)
    pathway_version = models.PositiveIntegerField()
    checklist = models.JSONField(
        default=dict, blank=True, help_text=_("Session protocol step id → confirmed")
    )
    recheck_answers = models.JSONField(
        default=dict, blank=True, help_text=_("Today's answers to 'anything new since last time?'")
    )
    recheck_outcome = models.CharField(max_length=40, blank=True)
    recheck_fired = models.JSONField(default=list, blank=True)
    needles_in = models.PositiveSmallIntegerField(_("needles counted in"), null=True, blank=True)
    needles_out = models.PositiveSmallIntegerField(
        _("needles counted out and disposed"), null=True, blank=True
    )
    nprs_before = models.DecimalField(
        _("pain before (0 to 10)"), max_digits=4, decimal_places=1, null=True, blank=True
    )
    nprs_after = models.DecimalField(
        _("pain after (0 to 10)"), max_digits=4, decimal_places=1, null=True, blank=True
    )
    aftercare_given_at = models.DateTimeField(_("aftercare advice given"), null=True, blank=True)
    aftercare = models.JSONField(
        default=list, blank=True, help_text=_("Ids of the pathway's aftercare advice given")
    )
    notes = models.TextField(_("notes"), max_length=5000, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    signed_at = models.DateTimeField(_("signed"), null=True, blank=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )

    class Meta:
        verbose_name = _("treatment session")
        ordering = ["episode", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["episode", "number"], name="treatment_session_number_once"
            )
        ]
        indexes = [models.Index(fields=["clinic", "started_at"])]

    def __str__(self) -> str:
        return f"Session {self.number} · episode {self.episode_id}"

    @property
    def is_signed(self) -> bool:
        return self.signed_at is not None


class Technique(models.TextChoices):
    STATIC = "static", _("Static (left in place)")
    PISTONING = "pistoning", _("Pistoning (in and out)")


class Twitch(models.TextChoices):
    NONE = "none", _("None")
    SOME = "some", _("Some")
    MANY = "many", _("Many")


class Tolerance(models.TextChoices):
    GOOD = "good", _("Tolerated well")
    FAIR = "fair", _("Uncomfortable but tolerated")
    POOR = "poor", _("Poorly tolerated (stopped early)")


class NeedleInsertion(models.Model):
    """Needling of one muscle on one side in a session."""

    session = models.ForeignKey(
        TreatmentSession, on_delete=models.PROTECT, related_name="insertions"
    )
    muscle = models.CharField(_("muscle"), max_length=60)
    side = models.CharField(_("side"), max_length=10)
    needle_length_mm = models.PositiveSmallIntegerField(_("needle length (mm)"))
    needle_gauge_mm = models.DecimalField(_("needle gauge (mm)"), max_digits=3, decimal_places=2)
    needles = models.PositiveSmallIntegerField(_("needles used"), default=1)
    insertions = models.PositiveSmallIntegerField(_("number of insertions"))
    technique = models.CharField(_("technique"), max_length=12, choices=Technique.choices)
    twitch = models.CharField(_("local twitch response"), max_length=8, choices=Twitch.choices)
    depth_note = models.CharField(_("depth"), max_length=200, blank=True)
    duration_minutes = models.PositiveSmallIntegerField(
        _("minutes in place"), null=True, blank=True
    )
    tolerance = models.CharField(_("patient tolerance"), max_length=8, choices=Tolerance.choices)

    class Meta:
        verbose_name = _("needle insertion")
        ordering = ["session", "pk"]

    def __str__(self) -> str:
        return f"{self.muscle} ({self.side})"


class NeedleIncident(models.Model):
    """Why the needles counted out differed from those counted in, and how it was resolved."""

    session = models.OneToOneField(
        TreatmentSession, on_delete=models.PROTECT, related_name="needle_incident"
    )
    where_found = models.TextField(
        _("where the needle was found, or the search made"), max_length=2000
    )
    resolution = models.TextField(_("how it was resolved"), max_length=2000)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("needle-count incident")

    def __str__(self) -> str:
        return f"Needle count · session {self.session_id}"


class ComponentKind(models.TextChoices):
    MANUAL_THERAPY = "manual_therapy", _("Manual therapy")
    STRETCHING = "stretching", _("Stretching")
    STRENGTHENING = "strengthening", _("Strengthening")
    EDUCATION = "education", _("Education (posture and ergonomics)")


class SessionComponent(models.Model):
    """Something besides needling done in the session, with a short structured note."""

    session = models.ForeignKey(
        TreatmentSession, on_delete=models.PROTECT, related_name="components"
    )
    kind = models.CharField(_("component"), max_length=20, choices=ComponentKind.choices)
    detail = models.CharField(_("what was done"), max_length=500, blank=True)
    minutes = models.PositiveSmallIntegerField(_("minutes"), null=True, blank=True)

    class Meta:
        verbose_name = _("session component")
        ordering = ["session", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["session", "kind"], name="treatment_component_once")
        ]

    def __str__(self) -> str:
        return self.get_kind_display()


class SessionAddendum(models.Model):
    """A correction or addition to a signed session: the session itself never changes."""

    session = models.ForeignKey(TreatmentSession, on_delete=models.PROTECT, related_name="addenda")
    text = models.TextField(_("addendum"), max_length=5000)
    reason = models.CharField(_("why"), max_length=500)
    written_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    written_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("addendum")
        verbose_name_plural = _("addenda")
        ordering = ["written_at", "pk"]

    def __str__(self) -> str:
        return f"Addendum · session {self.session_id}"


class AdverseEventStatus(models.TextChoices):
    DRAFT = "draft", _("Draft: to be confirmed")
    CONFIRMED = "confirmed", _("Confirmed")
    DISMISSED = "dismissed", _("Dismissed")


class AdverseEvent(models.Model):
    """Something untoward during or after a session. `kind` and `severity` are the pathway's
    ids; a significant one raises an alert to the clinic manager. Events from a follow-up
    answer start as drafts for the practitioner to confirm."""

    session = models.ForeignKey(
        TreatmentSession, on_delete=models.PROTECT, related_name="adverse_events"
    )
    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("type"), max_length=40)
    severity = models.CharField(_("severity"), max_length=20)
    during_session = models.BooleanField(_("during the session"), default=True)
    noticed_at = models.DateTimeField(_("when it happened or was reported"), default=timezone.now)
    description = models.TextField(_("what happened"), max_length=2000)
    action_taken = models.TextField(_("what was done"), max_length=2000, blank=True)
    outcome = models.TextField(_("outcome"), max_length=2000, blank=True)
    status = models.CharField(
        max_length=12, choices=AdverseEventStatus.choices, default=AdverseEventStatus.CONFIRMED
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("adverse event")
        ordering = ["-noticed_at", "-pk"]
        indexes = [models.Index(fields=["clinic", "noticed_at"])]

    def __str__(self) -> str:
        return f"{self.kind} ({self.severity}) · session {self.session_id}"


class CarePlan(models.Model):
    """The whole plan for an episode, started from the pathway's care-plan template."""

    episode = models.OneToOneField(Episode, on_delete=models.PROTECT, related_name="care_plan")
    pathway_version = models.PositiveIntegerField()
    planned_sessions = models.PositiveSmallIntegerField(_("planned number of sessions"))
    review_at_session = models.PositiveSmallIntegerField(_("review at session"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("care plan")

    def __str__(self) -> str:
        return f"Care plan · episode {self.episode_id}"


class CarePlanGoal(models.Model):
    """A goal, usually one of the patient's PSFS activities with the score aimed for."""

    plan = models.ForeignKey(CarePlan, on_delete=models.CASCADE, related_name="goals")
    measure = models.CharField(_("measure"), max_length=40)
    activity = models.CharField(_("activity"), max_length=200, blank=True)
    baseline = models.DecimalField(_("now"), max_digits=8, decimal_places=2, null=True, blank=True)
    target = models.DecimalField(_("target"), max_digits=8, decimal_places=2)

    class Meta:
        verbose_name = _("goal")
        ordering = ["plan", "pk"]

    def __str__(self) -> str:
        return self.activity or self.measure


class CarePlanComponent(models.Model):
    """One of the pathway's care-plan components, with the frequency set for this patient."""

    plan = models.ForeignKey(CarePlan, on_delete=models.CASCADE, related_name="components")
    component = models.CharField(_("component"), max_length=40)
    frequency = models.CharField(_("how often"), max_length=200)
    note = models.CharField(_("note"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("care-plan component")
        ordering = ["plan", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "component"], name="treatment_plan_component_once"
            )
        ]

    def __str__(self) -> str:
        return self.component


class ExerciseProgramme(models.Model):
    """Home exercises chosen from the pathway's library. The patient's private page
    (`/p/<token>/`) is found by the SHA-256 of its token; the token itself is never stored."""

    episode = models.ForeignKey(
        Episode, on_delete=models.PROTECT, related_name="exercise_programmes"
    )
    pathway_version = models.PositiveIntegerField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    token_sha256 = models.CharField(max_length=64, unique=True, null=True, blank=True)
    link_expires_at = models.DateTimeField(null=True, blank=True)
    replaced_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("exercise programme")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"Exercise programme · episode {self.episode_id}"


class ProgrammeExercise(models.Model):
    programme = models.ForeignKey(
        ExerciseProgramme, on_delete=models.CASCADE, related_name="exercises"
    )
    exercise = models.CharField(_("exercise"), max_length=60)
    position = models.PositiveSmallIntegerField(default=0)
    dosage = models.CharField(_("dosage"), max_length=300)
    note = models.CharField(_("note for the patient"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("exercise in a programme")
        ordering = ["programme", "position", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "exercise"], name="treatment_programme_exercise_once"
            )
        ]

    def __str__(self) -> str:
        return self.exercise


class ExerciseDone(models.Model):
    """The patient ticked "done today" for an exercise on their private page."""

    exercise = models.ForeignKey(ProgrammeExercise, on_delete=models.CASCADE, related_name="done")
    day = models.DateField()
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("exercise done")
        ordering = ["exercise", "day"]
        constraints = [
            models.UniqueConstraint(fields=["exercise", "day"], name="treatment_exercise_done_once")
        ]

    def __str__(self) -> str:
        return f"{self.exercise_id} on {self.day}"


class DischargeReason(models.TextChoices):
    GOALS_MET = "goals_met", _("Goals met")
    PLATEAU = "plateau", _("No further improvement (plateau)")
    REFERRED = "referred", _("Referred on")
    PATIENT_CHOICE = "patient_choice", _("The patient's choice")
    DID_NOT_RETURN = "did_not_return", _("Did not return")


class Discharge(models.Model):
    """How an episode ended; its summary PDF is made from the record when asked for."""

    episode = models.OneToOneField(Episode, on_delete=models.PROTECT, related_name="discharge")
    reason = models.CharField(_("reason"), max_length=20, choices=DischargeReason.choices)
    summary = models.TextField(_("summary"), max_length=5000, blank=True)
    advice = models.TextField(_("advice for staying well"), max_length=5000, blank=True)
    discharged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    discharged_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("discharge")

    def __str__(self) -> str:
        return f"Discharge · episode {self.episode_id}"


class FollowUpStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    SENT = "sent", _("Sent, waiting for answers")
    ANSWERED = "answered", _("Answered")
    UNANSWERED = "unanswered", _("Not answered")
    NOT_SENT = "not_sent", _("Not sent")
    CANCELLED = "cancelled", _("Cancelled")


class FollowUp(models.Model):
    """One of the pathway's checks after a needling session (about 24 h and 72 h): the
    patient answers its questions at `/f/<token>/`, found by the SHA-256 of the token.

    `due_at` is the session's signing time plus the check's `after_hours`; the link
    itself goes out as a `messaging.Message`. The answers are kept as the engine
    validated them, with the outcome and the rules that fired; an outcome that needs a
    call raises `alert`, and answers that report an adverse event draft one on the session.
    """

    session = models.ForeignKey(
        TreatmentSession, on_delete=models.PROTECT, related_name="follow_ups"
    )
    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    check_id = models.CharField(_("check"), max_length=40)
    pathway_version = models.PositiveIntegerField()
    due_at = models.DateTimeField(_("due"), db_index=True)
    expires_at = models.DateTimeField(_("link expires"))
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=FollowUpStatus.choices,
        default=FollowUpStatus.SCHEDULED,
    )
    token_sha256 = models.CharField(max_length=64, unique=True)
    message = models.OneToOneField(
        "messaging.Message",
        on_delete=models.PROTECT,
        related_name="follow_up",
        null=True,
        blank=True,
    )
    resent_message = models.OneToOneField(
        "messaging.Message",
        on_delete=models.PROTECT,
        related_name="resent_follow_up",
        null=True,
        blank=True,
    )
    opened_at = models.DateTimeField(null=True, blank=True)
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    answers = models.JSONField(default=dict, blank=True)
    outcome = models.CharField(_("outcome"), max_length=40, blank=True)
    fired = models.JSONField(default=list, blank=True)
    alert = models.OneToOneField(
        "records.Alert",
        on_delete=models.PROTECT,
        related_name="follow_up",
        null=True,
        blank=True,
    )

    class Meta:
        verbose_name = _("follow-up")
        ordering = ["due_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "check_id"], name="treatment_followup_one_per_check"
            )
        ]
        indexes = [models.Index(fields=["clinic", "status", "due_at"])]

    def __str__(self) -> str:
        return f"Follow-up {self.check_id} · session {self.session_id}"
