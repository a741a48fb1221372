"""How the form reads the phone numbers people type."""

import pytest
from django.core.exceptions import ValidationError

from fascia.enquiries.models import PhoneKind
from fascia.enquiries.phone import display, parse_phone, phone_kind

ACCEPTED = [
    # Indian mobiles, written every way people write them.
    ("89510 47001", "+918951047001", PhoneKind.MOBILE),
    ("8951047001", "+918951047001", PhoneKind.MOBILE),
    ("089510-47001", "+918951047001", PhoneKind.MOBILE),
    ("+91 89510 47001", "+918951047001", PhoneKind.MOBILE),
    ("+918951047001", "+918951047001", PhoneKind.MOBILE),
    ("(+91) 8951047001", "+918951047001", PhoneKind.MOBILE),
    ("0091 8951047001", "+918951047001", PhoneKind.MOBILE),
    ("00 91 98765 43210", "+919876543210", PhoneKind.MOBILE),
    ("91-98765-43210", "+919876543210", PhoneKind.MOBILE),
    ("  98765 43210  ", "+919876543210", PhoneKind.MOBILE),
    ("98765.43210", "+919876543210", PhoneKind.MOBILE),
    ("6000000000", "+916000000000", PhoneKind.MOBILE),
    # Landlines: accepted, and marked as landlines for the staff.
    ("080 2345 6789", "+918023456789", PhoneKind.LANDLINE),
    ("040-2345-6789", "+914023456789", PhoneKind.LANDLINE),
    ("(022) 2345 6789", "+912223456789", PhoneKind.LANDLINE),
    # Other countries, with their + code.
    ("+44 20 7946 0958", "+442079460958", PhoneKind.LANDLINE),
    ("+971 50 123 4567", "+971501234567", PhoneKind.MOBILE),
    ("+61 412 345 678", "+61412345678", PhoneKind.MOBILE),
    ("+1 415 555 2671", "+14155552671", PhoneKind.EITHER),
]

REFUSED = [
    ("", "required"),
    ("   ", "required"),
    ("12345", "too_short"),
    ("8951047", "too_short"),
    ("98765 4321", "too_short"),
    ("+91", "too_short"),
    ("+4420", "too_short"),
    ("895104700112", "too_long"),
    ("+91 89510 470011", "too_long"),
    ("8951047001 8951047001 8951047001", "too_long"),
    ("55555 55555", "invalid"),
    ("+1 555 555 5555", "invalid"),
    ("89510 4700A", "characters"),
    ("call me", "characters"),
    ("+91 89510 47001 ext 2", "characters"),
    ("+999 1234", "country"),
]


@pytest.mark.parametrize(("typed", "stored", "kind"), ACCEPTED)
def test_it_stores_every_way_of_writing_a_number_as_e164(typed, stored, kind):
    number = parse_phone(typed)
    assert number.as_e164 == stored
    assert phone_kind(number) == kind


@pytest.mark.parametrize(("typed", "code"), REFUSED)
def test_it_says_what_is_wrong_with_a_number(typed, code):
    with pytest.raises(ValidationError) as raised:
        parse_phone(typed)
    assert raised.value.code == code


@pytest.mark.parametrize(
    ("code", "words"),
    [
        ("too_short", "too short"),
        ("too_long", "too long"),
        ("invalid", "not a valid phone number"),
        ("characters", "only have digits"),
        ("country", "country code"),
    ],
)
def test_each_failure_has_its_own_message(code, words):
    typed = next(value for value, expected in REFUSED if expected == code)
    with pytest.raises(ValidationError) as raised:
        parse_phone(typed)
    assert words in raised.value.messages[0]


def test_staff_see_indian_numbers_in_national_format_and_others_in_international():
    assert display(parse_phone("+91 89510 47001")) == "089510 47001"
    assert display(parse_phone("+44 20 7946 0958")) == "+44 20 7946 0958"


def test_a_tab_inside_a_number_counts_as_a_space():
    assert parse_phone("89510\t47001").as_e164 == "+918951047001"
