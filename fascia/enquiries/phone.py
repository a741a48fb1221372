"""The enquiry form's phone numbers: read by `fascia.phone_numbers` (the same rules and
messages everywhere a number is typed), plus what the front desk needs to know of one.
"""

import phonenumbers
from django.utils.translation import gettext as _
from phonenumber_field.phonenumber import PhoneNumber
from phonenumbers import PhoneNumberType

from fascia import phone_numbers
from fascia.phone_numbers import MAX_INPUT, region

from .models import PhoneKind

__all__ = ["MAX_INPUT", "display", "parse_phone", "phone_kind", "region", "written"]

NUMBER_TYPE_KIND = {
    PhoneNumberType.MOBILE: PhoneKind.MOBILE,
    PhoneNumberType.FIXED_LINE: PhoneKind.LANDLINE,
    PhoneNumberType.FIXED_LINE_OR_MOBILE: PhoneKind.EITHER,
}


def parse_phone(raw: str) -> PhoneNumber:
    """The number in `raw`, or a ValidationError that says what is wrong with it."""
    return phone_numbers.parse_phone(raw, required_message=_("Enter your mobile number."))


def phone_kind(number: PhoneNumber) -> str:
    return NUMBER_TYPE_KIND.get(phonenumbers.number_type(number), PhoneKind.OTHER)


def display(number: PhoneNumber) -> str:
    """National format for numbers of the default region, international otherwise."""
    if phonenumbers.region_code_for_number(number) == region():
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def written(number: PhoneNumber) -> str:
    """The number as the person would write it, for what we show them: an Indian mobile
    without the 0 that is only dialled from a landline (98765 43210), an Indian landline
    with its STD code (080 2345 6789), any other number in international format."""
    if phonenumbers.region_code_for_number(number) != region():
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    if phone_kind(number) == PhoneKind.MOBILE:
        international = phonenumbers.format_number(
            number, phonenumbers.PhoneNumberFormat.INTERNATIONAL
        )
        return international.removeprefix(f"+{number.country_code} ")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
