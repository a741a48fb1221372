"""Staff accounts and the audit trail of personal and health data."""

from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class OrganisationRole(models.TextChoices):
    """A role across every clinic; roles within a clinic are memberships (`fascia.clinics`)."""

    NONE = "", _("None")
    ADMINISTRATOR = "administrator", _("Administrator")
    CONTENT_EDITOR = "content_editor", _("Content editor")


class StaffManager(UserManager["User"]):
    def get_by_natural_key(self, username: str | None) -> "User":
        """Sign-in names are matched without regard to case: `Priya` is `priya`."""
        return self.get(username__iexact=username)


class User(AbstractUser):
    """A member of a clinic's staff, a content editor or an administrator.

    Clinic roles hang on memberships; `organisation_role` is for the roles that span the
    organisation. Usernames and email addresses are unique whatever their case, so that
    either one signs a person in.
    """

    organisation_role = models.CharField(
        _("organisation role"),
        max_length=20,
        choices=OrganisationRole.choices,
        default=OrganisationRole.NONE,
        blank=True,
    )
    # Each signed-in session remembers the number it started under; raising it ends every
    # session at its next request ("sign out everywhere", a deactivated account, a changed
    # second factor), whichever session engine is configured.
    session_generation = models.PositiveIntegerField(_("session generation"), default=0)

    objects = StaffManager()

    class Meta:
        verbose_name = _("staff member")
        verbose_name_plural = _("staff")
        ordering = ["first_name", "last_name", "username"]
        constraints = [
            models.UniqueConstraint(Lower("username"), name="accounts_user_username_ci"),
            models.UniqueConstraint(
                Lower("email"),
                condition=~models.Q(email=""),
                name="accounts_user_email_ci",
                violation_error_message=_("Another staff member has this email address."),
            ),
        ]

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    @property
    def is_administrator(self) -> bool:
        return self.organisation_role == OrganisationRole.ADMINISTRATOR

    @property
    def is_content_editor(self) -> bool:
        return self.organisation_role == OrganisationRole.CONTENT_EDITOR


class AppendOnlyError(Exception):
    """An attempt to change, delete or bypass the chain of the audit trail, which only grows."""


# The previous hash of the first event in a chain, and the hash of a chain with no events.
GENESIS_HASH = "0" * 64
# The chain of events that concern no clinic (staff accounts, organisation-wide exports).
ORGANISATION_CHAIN = 0


class AuditEventQuerySet(models.QuerySet["AuditEvent"]):
    """Reads only: events are added one at a time by `audit.record()`, never changed."""

    def update(self, **kwargs: object) -> int:
        raise AppendOnlyError("Audit events cannot be changed.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("Audit events cannot be deleted.")

    def bulk_create(self, *args: object, **kwargs: object) -> list["AuditEvent"]:
        raise AppendOnlyError("Audit events are written one at a time, with audit.record().")

    def bulk_update(self, *args: object, **kwargs: object) -> int:
        raise AppendOnlyError("Audit events cannot be changed.")


class AuditEvent(models.Model):
    """One read or change of personal or health data: who, what, when, where. Append-only.

    `detail` holds facts about the change (such as the old and new status), never the
    personal data itself, so that erasing a person's data leaves the trail intact.

    Events form one hash chain per clinic (`chain` is the clinic's id; events that concern
    no clinic are in chain 0): each event has the next sequence number in its chain, the
    hash of the event before it and the SHA-256 of its own canonical content, so that
    `manage.py audit verify` finds an event that was changed, deleted or inserted by hand.
    The clinic and the patient are plain ids, not foreign keys: an event never cascades,
    and never stops a clinic or a patient from being removed.
    """

    chain = models.BigIntegerField(_("chain"), editable=False)
    seq = models.BigIntegerField(_("sequence number"), editable=False)
    prev_hash = models.CharField(_("previous hash"), max_length=64, editable=False)
    hash = models.CharField(_("hash"), max_length=64, editable=False)
    at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("who"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Empty when the public website or the system did it"),
    )
    action = models.CharField(_("action"), max_length=60)
    target_type = models.CharField(_("record type"), max_length=60)
    target_id = models.CharField(_("record id"), max_length=40)
    clinic_id = models.BigIntegerField(_("clinic"), null=True, blank=True)
    patient_id = models.BigIntegerField(_("patient"), null=True, blank=True)
    ip = models.GenericIPAddressField(
        _("address"),
        null=True,
        blank=True,
        help_text=_("The address a staff member's request came from"),
    )
    detail = models.JSONField(_("detail"), default=dict, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit event")
        ordering = ["at", "pk"]
        indexes = [
            models.Index(fields=["target_type", "target_id", "at"]),
            models.Index(fields=["clinic_id", "at"]),
            models.Index(fields=["patient_id", "at"]),
        ]
        constraints = [
            # The backstop against a forked chain: two events can never share a place.
            models.UniqueConstraint(fields=["chain", "seq"], name="accounts_auditevent_chain_seq"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.target_type}:{self.target_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnlyError("Audit events cannot be changed.")
        if not (self.seq and self.hash):
            raise AppendOnlyError("Audit events are written with audit.record().")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("Audit events cannot be deleted.")


class AuditChain(models.Model):
    """The head of one chain of audit events: its last sequence number and hash.

    Writing an event locks its chain's head (SELECT ... FOR UPDATE on PostgreSQL) until the
    transaction ends, so that two writers never give two events the same place; writers to
    other clinics' chains do not wait. `audit verify` also checks that each chain ends where
    its head says, which finds a deleted last event and one added after it by hand.
    """

    chain = models.BigIntegerField(_("chain"), primary_key=True)
    seq = models.BigIntegerField(_("last sequence number"), default=0)
    hash = models.CharField(_("last hash"), max_length=64, default=GENESIS_HASH)

    class Meta:
        verbose_name = _("audit chain")
        ordering = ["chain"]

    def __str__(self) -> str:
        return f"chain {self.chain} at {self.seq}"
