"""The second factor: an authenticator app (TOTP, django-otp) and one-time recovery codes.

Reads and the pieces the enrolment page shows; every change is in `actions.py`. An account
has at most one confirmed TOTP device ("Authenticator app") and one static device ("Recovery
codes") holding RECOVERY_CODES codes, each of which works once.
"""

from base64 import b32encode
from binascii import unhexlify
from collections.abc import Iterable

import segno
from django.utils.translation import gettext as _
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice, default_key

from .models import User

RECOVERY_CODES = 10
APP_NAME = "Authenticator app"
CODES_NAME = "Recovery codes"
# A code from the step before or after the server's is accepted (clocks drift; the person
# may type slowly), as django-otp's TOTPDevice does by default.
TOLERANCE = 1


def new_secret() -> str:
    """A new TOTP secret, hex-encoded as django-otp stores it (20 random bytes)."""
    return default_key()


def secret_text(secret: str) -> str:
    """The secret in base32, as authenticator apps take it typed, in groups of four."""
    text = b32encode(unhexlify(secret)).decode()
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


def setup_url(user: User, secret: str) -> str:
    """The otpauth:// address the QR code holds (issuer from OTP_TOTP_ISSUER)."""
    return TOTPDevice(user=user, key=secret, name=APP_NAME).config_url


def qr_code_svg(url: str) -> str:
    """The QR code of `url` as inline SVG, made here: no outside service sees the secret."""
    svg = segno.make(url, error="m").svg_inline(
        scale=4, title=_("QR code for your authenticator app"), svgclass="qr-code", light="#fff"
    )
    return svg.replace("<svg ", '<svg role="img" ', 1)


def step_matching(secret: str, code: str) -> int | None:
    """The time step at which `code` is the secret's code (within TOLERANCE of now), or None."""
    totp = TOTP(unhexlify(secret))
    if not (code.isdigit() and len(code) == totp.digits):
        return None
    return totp.t() if totp.verify(int(code), tolerance=TOLERANCE) else None


def authenticator(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def has_second_factor(user: User) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def recovery_codes_left(user: User) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def normalised(code: str) -> str:
    """A code as typed, without spaces or hyphens, in lower case (recovery codes are)."""
    return "".join(code.split()).replace("-", "").lower()


def devices_to_try(user: User, code: str) -> Iterable[TOTPDevice | StaticDevice]:
    """The confirmed devices that could accept `code`, locked until the transaction ends:
    the authenticator for six digits, the recovery codes for anything else."""
    model = TOTPDevice if code.isdigit() and len(code) == 6 else StaticDevice
    return model.objects.select_for_update().filter(user=user, confirmed=True)
