"""Reading the phone numbers people type, with a specific message for each mistake.

Below the apps, so that each of them (the enquiry form, the clinic records) reads numbers
by the same rules with the same messages. Numbers are read with Google's
libphonenumber rules (the `phonenumbers` package) through django-phonenumber-field, India
being the default region (`PHONENUMBER_DEFAULT_REGION`): `89510 47001`, `+91 89510 47001`
and `0091 8951047001` are the same number, stored as E.164. A control character anywhere
is refused outright rather than read around; a tab counts as a space. `whatsapp_url` is the
one place a WhatsApp link to a number is written.
"""

import re
import unicodedata
from urllib.parse import quote

import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from phonenumber_field.phonenumber import PhoneNumber
from phonenumbers import NumberParseException, ValidationResult

ALLOWED = re.compile(r"^[\d\s()+\-./]*$")
MAX_INPUT = 30
INDIA = 91
# Indian mobile and landline numbers both have ten digits after the country code.
INDIAN_DIGITS = 10


def region() -> str:
    return settings.PHONENUMBER_DEFAULT_REGION


def _too_short() -> ValidationError:
    return ValidationError(
        _("This number is too short. An Indian mobile number has 10 digits, like 89510 47001."),
        code="too_short",
    )


def _too_long() -> ValidationError:
    return ValidationError(
        _(
            "This number is too long. An Indian mobile number has 10 digits, like 89510 "
            "47001; for a number from another country, start with + and the country code."
        ),
        code="too_long",
    )


def _unknown_country() -> ValidationError:
    return ValidationError(
        _("The country code after the + is not one we recognise."), code="country"
    )


def _characters() -> ValidationError:
    return ValidationError(
        _("A phone number can only have digits, spaces, brackets, dashes and a + sign."),
        code="characters",
    )


def parse_phone(raw: str, *, required_message: str) -> PhoneNumber:
    """The number in `raw`, or a ValidationError that says what is wrong with it
    (`required_message` when nothing was typed)."""
    text = (raw or "").replace("\t", " ")
    if any(unicodedata.category(char).startswith("C") for char in text):
        raise _characters()
    text = text.strip()
    if not text:
        raise ValidationError(required_message, code="required")
    if len(text) > MAX_INPUT:
        raise _too_long()
    if not ALLOWED.match(text):
        raise _characters()
    try:
        number = PhoneNumber.from_string(text, region=region())
    except NumberParseException as error:
        if error.error_type == NumberParseException.TOO_LONG:
            raise _too_long() from error
        if error.error_type == NumberParseException.INVALID_COUNTRY_CODE:
            raise _unknown_country() from error
        raise _too_short() from error
    reason = phonenumbers.is_possible_number_with_reason(number)
    if reason in (ValidationResult.TOO_SHORT, ValidationResult.IS_POSSIBLE_LOCAL_ONLY):
        raise _too_short()
    if reason == ValidationResult.TOO_LONG:
        raise _too_long()
    if reason == ValidationResult.INVALID_COUNTRY_CODE:
        raise _unknown_country()
    if not phonenumbers.is_valid_number(number):
        if number.country_code == INDIA:
            digits = len(str(number.national_number))
            if digits < INDIAN_DIGITS:
                raise _too_short()
            if digits > INDIAN_DIGITS:
                raise _too_long()
        raise ValidationError(
            _("This is not a valid phone number. Please check the digits."), code="invalid"
        )
    return number


def whatsapp_url(number: PhoneNumber, text: str = "") -> str:
    """A wa.me link to `number` (its digits in international form), with `text` filled in as
    the message when there is one."""
    url = f"https://wa.me/{number.as_e164.lstrip('+')}"
    return f"{url}?text={quote(text, safe='')}" if text else url
