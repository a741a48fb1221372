"""Staff credentials: who may record needling, the evidence behind each credential, and
which credentials need renewing.

Who may needle is the clinic chain's rule (clinic-policy), after the professional guidance
that dry needling is done only by practitioners trained in it (asap-aacp-guidelines): a
dry-needling credential valid on the session's date and checked (`dry_needling_credential`).

A credential is added by its holder (from "My credentials") or by someone who manages the
holder on the staff pages (an administrator, or a manager of a clinic where the holder has
a role), and withdrawn, never deleted. It counts only once someone who manages the holder
has checked it against its evidence (clinic-policy: nobody certifies themselves). One added
by such a person is checked as it is added, by them; one the holder adds waits for them
(`credential_check`, `credentials_to_check`). Nobody checks their own.

Its evidence file lives in `private_files()`, which no URL serves; `credential_evidence_open`
hands it to a permission-checked, audited view. Every change and every opening of evidence
is an event in the organisation's audit chain (`events.py`): a credential is the person's,
not one clinic's.

A credential that ends within `FASCIA_CREDENTIAL_WARNING_DAYS` (30) days, or has ended,
is shown to its holder and to the managers of their clinics until a later credential of
the same kind carries on from it, or it is withdrawn (`credential_warnings`; clinic-policy).
"""

import datetime as dt
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from django.conf import settings
from django.core.files import File
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from fascia.accounts.models import User

from . import events
from .models import Credential, CredentialKind, Membership
from .permissions import active_staff
from .queries import access_staff_member, manages

EVIDENCE_MAX_BYTES = 5 * 1024 * 1024


class CredentialError(Exception):
    """A change the rules do not allow; the message is fit to show to staff."""


@dataclass(frozen=True)
class EvidenceType:
    extensions: tuple[str, ...]
    content_type: str
    magic: bytes
    name: str


# What an evidence file may be, told by its first bytes (the extension must agree).
EVIDENCE_TYPES = (
    EvidenceType(("pdf",), "application/pdf", b"%PDF-", "PDF"),
    EvidenceType(("jpg", "jpeg"), "image/jpeg", b"\xff\xd8\xff", "JPEG"),
    EvidenceType(("png",), "image/png", b"\x89PNG\r\n\x1a\n", "PNG"),
)


def evidence_type_of(head: bytes) -> EvidenceType | None:
    """The kind of file whose content starts with `head`, or None if it is none we take."""
    return next((kind for kind in EVIDENCE_TYPES if head.startswith(kind.magic)), None)


def evidence_type_for_name(name: str) -> EvidenceType | None:
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    return next((kind for kind in EVIDENCE_TYPES if extension in kind.extensions), None)


def dry_needling_credential(user: User, day: dt.date) -> Credential | None:
    """The user's checked dry-needling credential valid on `day` (the one valid longest), or
    None: one still waiting to be checked does not count (clinic-policy)."""
    valid = [
        credential
        for credential in Credential.objects.filter(
            user=user,
            kind=CredentialKind.DRY_NEEDLING,
            revoked_at__isnull=True,
            checked_by__isnull=False,
        )
        if credential.valid_on(day)
    ]
    return max(valid, key=lambda c: c.valid_to or dt.date.max, default=None)


def dry_needling_credential_waiting(user: User, day: dt.date) -> bool:
    """Whether the user has a dry-needling credential valid on `day` that no manager has
    checked yet: it does not count until one does (clinic-policy)."""
    return any(
        credential.valid_on(day)
        for credential in Credential.objects.filter(
            user=user,
            kind=CredentialKind.DRY_NEEDLING,
            revoked_at__isnull=True,
            checked_by__isnull=True,
        )
    )


# Who may see and change whose credentials.


def access_holder(user: object, holder_id: int) -> User:
    """The staff member `holder_id` if `user` may see and add their credentials: themselves,
    or someone they manage on the staff pages; 404 otherwise."""
    staff = active_staff(user)
    if staff is not None and staff.pk == holder_id:
        return staff
    return access_staff_member(user, holder_id)


def may_manage_credentials(user: object, holder: User) -> bool:
    """Whether `user` may add and withdraw `holder`'s credentials: their own, or those of
    someone they manage on the staff pages."""
    staff = active_staff(user)
    return staff is not None and (staff.pk == holder.pk or manages(staff, holder))


def may_check_credentials(user: object, holder: User) -> bool:
    """Whether `user` may check `holder`'s credentials against their evidence: someone who
    manages them on the staff pages, never the holder themselves (clinic-policy)."""
    staff = active_staff(user)
    return staff is not None and staff.pk != holder.pk and manages(staff, holder)


def access_credential(
    user: object, credential_id: int, *, holder_id: int | None = None
) -> Credential:
    """The credential if `user` is its holder or manages its holder (and, when given, its
    holder is `holder_id`); 404 otherwise."""
    try:
        credential = Credential.objects.select_related("user", "recorded_by", "checked_by").get(
            pk=credential_id
        )
    except Credential.DoesNotExist:
        raise Http404 from None
    if holder_id is not None and holder_id != credential.user_id:
        raise Http404
    if not may_manage_credentials(user, credential.user):
        raise Http404
    return credential


class Standing(StrEnum):
    VALID = "valid"
    ENDING = "ending"  # within the warning days
    ENDED = "ended"
    NOT_YET = "not_yet"
    WITHDRAWN = "withdrawn"


OVER = frozenset({Standing.WITHDRAWN, Standing.ENDED})
"""Where a credential no longer counts whatever happens: nothing to check."""


@dataclass(frozen=True)
class ShownCredential:
    credential: Credential
    standing: Standing
    days_left: int | None
    """Days until it ends, for one that has an end and has not ended."""
    checkable: bool = False
    """Whether the person looking may check it against its evidence now."""

    @property
    def waiting(self) -> bool:
        """Not checked yet, neither withdrawn nor ended: it counts once it is checked."""
        return self.credential.checked_by_id is None and self.standing not in OVER


def standing_of(credential: Credential, today: dt.date) -> Standing:
    if credential.revoked_at is not None:
        return Standing.WITHDRAWN
    if today < credential.valid_from:
        return Standing.NOT_YET
    if credential.valid_to is None:
        return Standing.VALID
    if credential.valid_to < today:
        return Standing.ENDED
    if (credential.valid_to - today).days <= warning_days():
        return Standing.ENDING
    return Standing.VALID


def credentials_of(holder: User, today: dt.date, *, viewer: object = None) -> list[ShownCredential]:
    """Every credential of `holder`, withdrawn ones included, the newest first, each with
    where it stands on `today` and whether `viewer` may check it."""
    may_check = viewer is not None and may_check_credentials(viewer, holder)
    shown = []
    for credential in holder.credentials.select_related("recorded_by", "checked_by").order_by(
        "-valid_from", "-pk"
    ):
        standing = standing_of(credential, today)
        shown.append(
            ShownCredential(
                credential,
                standing,
                (credential.valid_to - today).days if credential.valid_to else None,
                checkable=may_check and credential.checked_by_id is None and standing not in OVER,
            )
        )
    return shown


# Changes.


@dataclass(frozen=True)
class CredentialDetails:
    kind: str
    title: str
    issuer: str
    valid_from: dt.date
    number: str = ""
    valid_to: dt.date | None = None


def _stored_name(kind: EvidenceType) -> str:
    """A name of our own for the file: what the person called it may name them or a path."""
    return f"{uuid.uuid4().hex}.{kind.extensions[0]}"


def credential_add(
    *,
    holder: User,
    details: CredentialDetails,
    evidence: UploadedFile | None,
    by: User,
    ip: str | None = None,
) -> Credential:
    """Record a credential for `holder`, with its evidence file if there is one.

    Added by someone who manages the holder, it is checked by them as it is added; added by
    the holder, it waits to be checked (clinic-policy). The form has checked the file; its
    type is read again here from its first bytes.
    """
    if not may_manage_credentials(by, holder):
        raise CredentialError(_("You cannot add credentials for this person."))
    if details.kind not in CredentialKind.values:
        raise CredentialError(_("Choose the kind of credential."))
    if details.valid_to is not None and details.valid_to < details.valid_from:
        raise CredentialError(_("A credential cannot end before it starts."))
    credential = Credential(
        user=holder,
        kind=details.kind,
        title=details.title,
        issuer=details.issuer,
        number=details.number,
        valid_from=details.valid_from,
        valid_to=details.valid_to,
        recorded_by=by,
    )
    if by.pk != holder.pk:
        credential.checked_by, credential.checked_at = by, timezone.now()
    with transaction.atomic():
        if evidence is not None:
            kind = _checked_evidence(evidence)
            credential.evidence.save(_stored_name(kind), File(evidence), save=False)
        try:
            credential.save()
            events.credential_added(credential, by=by, ip=ip)
        except Exception:
            if credential.evidence:
                credential.evidence.delete(save=False)
            raise
    return credential


def _checked_evidence(evidence: UploadedFile) -> EvidenceType:
    evidence.seek(0)
    kind = evidence_type_of(evidence.read(16))
    evidence.seek(0)
    if kind is None or evidence_type_for_name(evidence.name or "") != kind:
        raise CredentialError(_("The evidence must be a PDF, JPEG or PNG file."))
    if evidence.size is not None and evidence.size > EVIDENCE_MAX_BYTES:
        raise CredentialError(_("The evidence file must be 5 MB or smaller."))
    return kind


def credential_withdraw(*, credential: Credential, by: User, ip: str | None = None) -> Credential:
    """Withdraw `credential` from now on: it no longer counts, and stays on record."""
    if not may_manage_credentials(by, credential.user):
        raise CredentialError(_("You cannot withdraw this person's credentials."))
    with transaction.atomic():
        credential = Credential.objects.select_for_update().get(pk=credential.pk)
        if credential.revoked_at is not None:
            raise CredentialError(_("This credential was already withdrawn."))
        credential.revoked_at = timezone.now()
        credential.save(update_fields=["revoked_at"])
        events.credential_withdrawn(credential, by=by, ip=ip)
    return credential


def credential_check(*, credential: Credential, by: User, ip: str | None = None) -> Credential:
    """Record that `by` checked `credential` against its evidence: from now on it counts.

    Only someone who manages its holder may, never the holder (clinic-policy)."""
    if credential.user_id == by.pk:
        raise CredentialError(
            _(
                "You cannot check your own credential: a manager of your clinic or an "
                "administrator checks it against the certificate."
            )
        )
    if not may_check_credentials(by, credential.user):
        raise CredentialError(_("You cannot check this person's credentials."))
    with transaction.atomic():
        credential = (
            Credential.objects.select_for_update().select_related("user").get(pk=credential.pk)
        )
        if credential.revoked_at is not None:
            raise CredentialError(_("This credential was withdrawn: there is nothing to check."))
        if credential.checked_by_id is not None:
            raise CredentialError(_("This credential was already checked."))
        credential.checked_by, credential.checked_at = by, timezone.now()
        credential.save(update_fields=["checked_by", "checked_at"])
        events.credential_checked(credential, by=by, ip=ip)
    return credential


def credentials_to_check(
    *, by: User, clinic_ids: Iterable[int], today: dt.date
) -> list[Credential]:
    """Credentials waiting to be checked of the active staff with a role in `clinic_ids`
    (the clinics `by` manages), not withdrawn and not ended, `by`'s own aside; the oldest
    first. One query."""
    ids = set(clinic_ids)
    if not ids:
        return []
    return list(
        Credential.objects.filter(
            Q(valid_to__isnull=True) | Q(valid_to__gte=today),
            user__in=Membership.objects.filter(clinic__in=ids).values("user_id"),
            user__is_active=True,
            checked_by__isnull=True,
            revoked_at__isnull=True,
        )
        .exclude(user=by)
        .select_related("user")
        .order_by("recorded_at", "pk")
    )


@dataclass(frozen=True)
class Evidence:
    file: File
    content_type: str
    filename: str


def credential_evidence_open(*, credential: Credential, by: User, ip: str | None) -> Evidence:
    """The credential's evidence file, opened for `by`, who is recorded as having seen it;
    404 when there is none (or it is missing from the storage)."""
    kind = evidence_type_for_name(credential.evidence.name) if credential.evidence else None
    if kind is None or not credential.evidence.storage.exists(credential.evidence.name):
        raise Http404
    with transaction.atomic():
        events.credential_evidence_viewed(credential, by=by, ip=ip)
    return Evidence(
        file=credential.evidence.open("rb"),
        content_type=kind.content_type,
        filename=f"credential-{credential.pk}.{kind.extensions[0]}",
    )


# Credentials that need renewing.


@dataclass(frozen=True)
class CredentialWarning:
    credential: Credential
    days_left: int
    """Days until it ends (0: it ends today); negative once it has ended."""

    @property
    def expired(self) -> bool:
        return self.days_left < 0

    @property
    def days_ago(self) -> int:
        return -self.days_left


def warning_days() -> int:
    return settings.FASCIA_CREDENTIAL_WARNING_DAYS


def _line(credential: Credential) -> tuple[int, str, str]:
    """Credentials that renew one another: the holder's dry-needling credentials; any other
    kind by its title."""
    title = "" if credential.kind == CredentialKind.DRY_NEEDLING else credential.title.casefold()
    return credential.user_id, credential.kind, title


def _carried_on(credential: Credential, ends: dt.date, others: Iterable[Credential]) -> bool:
    """Whether another credential of the same line, checked, starts by the day after this
    one `ends` and ends later (or never): one still waiting to be checked does not count."""
    next_day = ends + dt.timedelta(days=1)
    return any(
        other.pk != credential.pk
        and other.checked_by_id is not None
        and other.valid_from <= next_day
        and (other.valid_to is None or other.valid_to > ends)
        for other in others
    )


def credential_warnings(
    *, holder: User | None, clinic_ids: Iterable[int], today: dt.date
) -> list[CredentialWarning]:
    """Credentials ending within `warning_days()` or ended, not withdrawn and not carried on
    by a later one: `holder`'s own, and those of the active staff with a role in
    `clinic_ids`. The soonest to end first; one query."""
    ids = set(clinic_ids)
    whose = Q(pk__in=[])
    if holder is not None:
        whose |= Q(user=holder)
    if ids:
        whose |= Q(user__in=Membership.objects.filter(clinic__in=ids).values("user_id"))
    rows = list(
        Credential.objects.filter(whose, revoked_at__isnull=True, user__is_active=True)
        .select_related("user")
        .order_by("valid_to", "pk")
    )
    lines: dict[tuple[int, str, str], list[Credential]] = {}
    for credential in rows:
        lines.setdefault(_line(credential), []).append(credential)
    horizon = today + dt.timedelta(days=warning_days())
    return [
        CredentialWarning(credential, (credential.valid_to - today).days)
        for credential in rows
        if credential.valid_to is not None
        and credential.valid_to <= horizon
        and not _carried_on(credential, credential.valid_to, lines[_line(credential)])
    ]
