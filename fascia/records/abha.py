"""ABHA numbers (Ayushman Bharat Health Account): reading what staff type.

An ABHA number has 14 digits and is written in groups of 2, 4, 4 and 4 digits
(`91-1234-5678-9012`); people type it with dashes, with spaces or with neither. It is stored
as the 14 digits alone and shown grouped again (`Patient.abha_display`).

Only the length and the digits are checked, not a check digit. No reliable source says the
number carries one: the National Health Authority's own integrators' guide for ABHA creation
and verification (github.com/nha-in/docs, `plugins/abdm-integrators-assistant/skills/
abdm-m1/SKILL.md`, a snapshot of the ABDM Developer Portal) describes the number and its
operations without any checksum; CARE's ABDM integration (github.com/ohcnetwork/care_abdm,
`abdm/api/v3/serializers/health_id.py`) checks no more than a length; and ABHA is described
as "a randomly generated 14 digit number" (parserlabs.com/about-abha). The one claim found of
a Verhoeff check digit, in an unattributed snippet, was itself marked unimplemented. Refusing
numbers on a guessed checksum would turn away real patients' numbers; ABDM verifies an ABHA
number when it is looked up there.
"""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

DIGITS = 14
# Spaces and dashes between groups are how people write the number; they are dropped.
SEPARATORS = re.compile("[\\s\\-\u2010\u2011\u2012\u2013\u2014]+")
ASCII_DIGITS = re.compile(r"[0-9]*")
EXAMPLE = "91-1234-5678-9012"


def digits_of(raw: str) -> str:
    """`raw` without the spaces and dashes people type between groups."""
    return SEPARATORS.sub("", raw or "")


def looks_like_abha(text: str) -> bool:
    """Whether `text` is written as an ABHA number is (for search): 14 digits, grouped or not."""
    digits = digits_of(text.strip())
    return len(digits) == DIGITS and bool(ASCII_DIGITS.fullmatch(digits))


def parse_abha(raw: str) -> str:
    """The 14 digits of the ABHA number in `raw`, or a ValidationError that says what is wrong.

    An empty `raw` gives "" (the number is optional).
    """
    digits = digits_of(raw.strip())
    if not digits:
        return ""
    if not ASCII_DIGITS.fullmatch(digits):
        raise ValidationError(
            _(
                "An ABHA number has digits only, written together or in groups with spaces "
                "or dashes, like %(example)s."
            ),
            code="characters",
            params={"example": EXAMPLE},
        )
    if len(digits) != DIGITS:
        raise ValidationError(
            _("An ABHA number has 14 digits, like %(example)s; this one has %(count)d."),
            code="length",
            params={"example": EXAMPLE, "count": len(digits)},
        )
    return digits
