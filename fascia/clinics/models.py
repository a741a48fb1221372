"""Clinics as records, the role each staff member holds in each clinic, and their credentials."""

import datetime as dt
import zoneinfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import FileSystemStorage
from django.db import models
from django.utils.translation import gettext_lazy as _
from phonenumber_field.modelfields import PhoneNumberField

from fascia import phone_numbers

DASH = "\N{EN DASH}"  # between the two ends of a range of days or hours


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(_("%(value)s is not a known time zone."), params={"value": value})


class Clinic(models.Model):
    """A clinic of the organisation: the system of record the website's clinic pages show.

    Unpublishing or deleting a clinic's page never changes the clinic; a clinic that has
    closed is made inactive, never deleted, so its enquiries and records keep their place.
    """

    slug = models.SlugField(_("short name"), max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=120)
    city = models.CharField(_("city"), max_length=80)
    street_address = models.CharField(_("street address"), max_length=200)
    locality = models.CharField(_("locality"), max_length=100, blank=True)
    region = models.CharField(_("state"), max_length=100)
    postal_code = models.CharField(_("PIN code"), max_length=10, blank=True)
    address_is_placeholder = models.BooleanField(
        _("address still to be confirmed"),
        default=False,
        help_text=_("Shows the address as 'to be confirmed' until the clinic checks it"),
    )
    phone = PhoneNumberField(_("phone"))
    whatsapp = PhoneNumberField(_("WhatsApp number"), blank=True)
    email = models.EmailField(_("email"), blank=True)
    time_zone = models.CharField(
        _("time zone"), max_length=60, default="Asia/Kolkata", validators=[validate_time_zone]
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("clinic")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def phone_href(self) -> str:
        return f"tel:{self.phone}"

    @property
    def whatsapp_href(self) -> str:
        return phone_numbers.whatsapp_url(self.whatsapp) if self.whatsapp else ""

    def opening_times(self) -> list[tuple[str, str]]:
        """The week as people read it: runs of days with the same hours together, such as
        ("Monday to Saturday", "08:00 to 20:00") written with en dashes."""
        by_day: dict[int, str] = {}
        for stretch in self.opening_hours.all():
            hours = f"{stretch.opens:%H:%M}{DASH}{stretch.closes:%H:%M}"
            by_day[stretch.weekday] = (
                f"{by_day[stretch.weekday]}, {hours}" if stretch.weekday in by_day else hours
            )
        runs: list[tuple[int, int, str]] = []
        for day in sorted(by_day):
            if runs and runs[-1][1] == day - 1 and runs[-1][2] == by_day[day]:
                runs[-1] = (runs[-1][0], day, by_day[day])
            else:
                runs.append((day, day, by_day[day]))
        names = dict(Weekday.choices)
        return [
            (str(names[first]) if first == last else f"{names[first]}{DASH}{names[last]}", hours)
            for first, last, hours in runs
        ]


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


class OpeningHours(models.Model):
    """One stretch of opening time on one weekday, in the clinic's own time zone.

    A day with no rows is a closed day; a day may have two rows (a break at lunch).
    """

    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="opening_hours")
    weekday = models.PositiveSmallIntegerField(_("day"), choices=Weekday.choices)
    opens = models.TimeField(_("opens"))
    closes = models.TimeField(_("closes"))

    class Meta:
        verbose_name = _("opening hours")
        verbose_name_plural = _("opening hours")
        ordering = ["clinic", "weekday", "opens"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(closes__gt=models.F("opens")),
                name="clinics_openinghours_closes_after_opening",
                violation_error_message=_("A clinic must close after it opens."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.opens:%H:%M}{DASH}{self.closes:%H:%M}"


class Role(models.TextChoices):
    FRONT_DESK = "front_desk", _("Front desk")
    PHYSIOTHERAPIST = "physiotherapist", _("Physiotherapist")
    CLINIC_MANAGER = "clinic_manager", _("Clinic manager")


class Membership(models.Model):
    """A staff member's role in one clinic. What each role may do is in `permissions.py`."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="memberships")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("membership")
        ordering = ["clinic__name", "role"]
        constraints = [
            models.UniqueConstraint(fields=["user", "clinic"], name="clinics_one_role_per_clinic")
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.clinic}"


def private_files() -> FileSystemStorage:
    """Files staff upload that no URL serves directly: a staff view checks access and streams
    them (`FASCIA_PRIVATE_FILES`, outside `MEDIA_ROOT`)."""
    return FileSystemStorage(location=settings.FASCIA_PRIVATE_FILES)


class CredentialKind(models.TextChoices):
    DRY_NEEDLING = "dry_needling", _("Dry needling")
    OTHER = "other", _("Other")


class Credential(models.Model):
    """A qualification a staff member holds, such as a dry-needling certificate.

    Only a physiotherapist whose dry-needling credential is valid on a session's date, and
    checked against its evidence by someone who manages them, may record needling in it
    (`clinics.credentials`). `valid_to` empty means it does not expire; `checked_by` empty
    means it waits to be checked.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="credentials"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=CredentialKind.choices)
    title = models.CharField(
        _("title"), max_length=120, help_text=_("For example: Dry needling — level 1")
    )
    issuer = models.CharField(_("issued by"), max_length=160)
    number = models.CharField(_("certificate number"), max_length=80, blank=True)
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid until"), null=True, blank=True)
    evidence = models.FileField(
        _("evidence (certificate)"),
        upload_to="credentials/%Y/",
        storage=private_files,
        blank=True,
        max_length=200,
    )
    recorded_at = models.DateTimeField(auto_now_add=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("checked by"),
    )
    checked_at = models.DateTimeField(_("checked"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)

    class Meta:
        verbose_name = _("credential")
        ordering = ["user", "-valid_from", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(valid_to__isnull=True)
                | models.Q(valid_to__gte=models.F("valid_from")),
                name="clinics_credential_valid_to_after_from",
            )
        ]

    def __str__(self) -> str:
        return f"{self.title} · {self.user}"

    def valid_on(self, day: dt.date) -> bool:
        return (
            self.revoked_at is None
            and self.valid_from <= day
            and (self.valid_to is None or day <= self.valid_to)
        )
