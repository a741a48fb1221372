"""Who may record needling: a physiotherapist's dry-needling credential, valid on the day.

The rule is the clinic chain's (clinic-policy), after the professional guidance that dry
needling is done only by practitioners trained in it (asap-aacp-guidelines).
"""

import datetime as dt

from fascia.accounts.models import User

from .models import Credential, CredentialKind


def dry_needling_credential(user: User, day: dt.date) -> Credential | None:
    """The user's dry-needling credential valid on `day` (the one valid longest), or None."""
    valid = [
        credential
        for credential in Credential.objects.filter(
            user=user, kind=CredentialKind.DRY_NEEDLING, revoked_at__isnull=True
        )
        if credential.valid_on(day)
    ]
    return max(valid, key=lambda c: c.valid_to or dt.date.max, default=None)
