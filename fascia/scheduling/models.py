"""Practitioners' schedules, appointment types, appointments and calendar feeds.

Free slots are computed from a practitioner's `WorkingHours` in a clinic (each row a
stretch of a weekday, with an optional break inside it), less their `Leave` and the
appointments that already hold time. Two appointments of one practitioner can never
overlap while they hold time (requested, booked, arrived, done): PostgreSQL refuses it
with an exclusion constraint, SQLite with a trigger (migration 0001), so two front-desk
staff pressing "Book" for the same slot at once get one appointment and one clear refusal.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fascia.clinics.models import Weekday


class AppointmentKind(models.TextChoices):
    ASSESSMENT = "assessment", _("Initial assessment")
    TREATMENT = "treatment", _("Treatment session")
    REVIEW = "review", _("Review")


class AppointmentType(models.Model):
    """A kind of appointment a pathway offers, how long it lasts and what it needs."""

    pathway_id = models.CharField(_("pathway"), max_length=60)
    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("kind"), max_length=12, choices=AppointmentKind.choices)
    minutes = models.PositiveSmallIntegerField(_("length in minutes"))
    needs_dry_needling_credential = models.BooleanField(
        _("needs a dry-needling credential"),
        default=False,
        help_text=_(
            "Only practitioners whose checked dry-needling credential is valid on the day "
            "are offered."
        ),
    )
    bookable_by_patients = models.BooleanField(
        _("patients may ask for it"),
        default=False,
        help_text=_("Offered on the enquiry confirmation page, for staff to confirm."),
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("appointment type")
        ordering = ["pathway_id", "minutes", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["pathway_id", "name"], name="scheduling_type_unique_name"
            ),
            models.CheckConstraint(
                condition=models.Q(minutes__gte=5, minutes__lte=480),
                name="scheduling_type_minutes_in_range",
                violation_error_message=_("An appointment lasts from 5 minutes to 8 hours."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.minutes} min)"


class WorkingHours(models.Model):
    """One stretch of a practitioner's week in one clinic, in the clinic's time zone, with
    an optional break inside it (lunch, say). A weekday may have several stretches."""

    practitioner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="working_hours"
    )
    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.CASCADE, related_name="+")
    weekday = models.PositiveSmallIntegerField(_("day"), choices=Weekday.choices)
    starts = models.TimeField(_("starts"))
    ends = models.TimeField(_("ends"))
    break_starts = models.TimeField(_("break starts"), null=True, blank=True)
    break_ends = models.TimeField(_("break ends"), null=True, blank=True)

    class Meta:
        verbose_name = _("working hours")
        verbose_name_plural = _("working hours")
        ordering = ["practitioner", "clinic", "weekday", "starts"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends__gt=models.F("starts")),
                name="scheduling_hours_end_after_start",
                violation_error_message=_("Working hours must end after they start."),
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(break_starts__isnull=True, break_ends__isnull=True)
                    | models.Q(
                        break_starts__gt=models.F("starts"),
                        break_ends__gt=models.F("break_starts"),
                        break_ends__lt=models.F("ends"),
                    )
                ),
                name="scheduling_hours_break_inside",
                violation_error_message=_(
                    "A break needs a start and an end, inside the working hours."
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.starts:%H:%M} to {self.ends:%H:%M}"


class Leave(models.Model):
    """Whole days a practitioner is away, from `first_day` to `last_day` inclusive; in one
    clinic, or in every clinic when `clinic` is empty."""

    practitioner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="leave"
    )
    clinic = models.ForeignKey(
        "clinics.Clinic", on_delete=models.CASCADE, related_name="+", null=True, blank=True
    )
    first_day = models.DateField(_("from"))
    last_day = models.DateField(_("to"))
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )

    class Meta:
        verbose_name = _("leave")
        verbose_name_plural = _("leave")
        ordering = ["practitioner", "first_day"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(last_day__gte=models.F("first_day")),
                name="scheduling_leave_ends_after_start",
                violation_error_message=_("Leave cannot end before it starts."),
            )
        ]

    def __str__(self) -> str:
        return f"Leave {self.first_day} to {self.last_day}"


class AppointmentStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested by the patient")
    BOOKED = "booked", _("Booked")
    ARRIVED = "arrived", _("Arrived")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")
    NO_SHOW = "no_show", _("Did not come")


# Statuses in which an appointment holds the practitioner's time (the database refuses two
# such appointments that overlap).
HOLDS_TIME = (
    AppointmentStatus.REQUESTED,
    AppointmentStatus.BOOKED,
    AppointmentStatus.ARRIVED,
    AppointmentStatus.DONE,
)


class Appointment(models.Model):
    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    practitioner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="appointments"
    )
    type = models.ForeignKey(AppointmentType, on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(
        "records.Patient",
        on_delete=models.PROTECT,
        related_name="appointments",
        null=True,
        blank=True,
    )
    enquiry = models.ForeignKey(
        "enquiries.Enquiry",
        on_delete=models.PROTECT,
        related_name="appointments",
        null=True,
        blank=True,
    )
    starts_at = models.DateTimeField(_("starts"), db_index=True)
    ends_at = models.DateTimeField(_("ends"))
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=AppointmentStatus.choices,
        default=AppointmentStatus.BOOKED,
    )
    session = models.OneToOneField(
        "treatment.TreatmentSession",
        on_delete=models.PROTECT,
        related_name="appointment",
        null=True,
        blank=True,
    )
    note = models.TextField(_("note"), max_length=2000, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    status_changed_at = models.DateTimeField(default=timezone.now)
    status_changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    patient_confirmed_at = models.DateTimeField(
        _("confirmed by the patient"), null=True, blank=True
    )
    cancel_reason = models.CharField(_("reason for cancelling"), max_length=200, blank=True)
    token_sha256 = models.CharField(max_length=64, unique=True, null=True, blank=True)

    class Meta:
        verbose_name = _("appointment")
        ordering = ["starts_at", "pk"]
        indexes = [
            models.Index(fields=["clinic", "starts_at"]),
            models.Index(fields=["practitioner", "starts_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")),
                name="scheduling_appointment_ends_after_start",
            ),
            models.CheckConstraint(
                condition=models.Q(patient__isnull=False) | models.Q(enquiry__isnull=False),
                name="scheduling_appointment_for_someone",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.type.name} · {self.starts_at:%Y-%m-%d %H:%M}"

    @property
    def holds_time(self) -> bool:
        return self.status in HOLDS_TIME


class CalendarFeed(models.Model):
    """A practitioner's private iCalendar address (`/calendar/<token>.ics`), found by the
    SHA-256 of its token; replacing it or switching it off ends the old address."""

    practitioner = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed"
    )
    token_sha256 = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("calendar feed")

    def __str__(self) -> str:
        return f"Calendar feed · {self.practitioner_id}"
