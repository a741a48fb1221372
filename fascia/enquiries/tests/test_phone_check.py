"""The live check beside the phone field shows the number as the person would write it."""

import pytest
from bs4 import BeautifulSoup

pytestmark = pytest.mark.django_db


def check(client, typed: str) -> str:
    response = client.get("/enquire/phone-check/", {"phone": typed})
    assert response.status_code == 200
    return BeautifulSoup(response.content, "html.parser").get_text(strip=True)


@pytest.mark.parametrize("typed", ["9876543210", "98765 43210", "+91 98765 43210", "+919876543210"])
def test_an_indian_mobile_is_shown_without_a_0_in_front(client, typed):
    assert check(client, typed) == "98765 43210 is a valid number."


def test_an_indian_landline_is_shown_with_its_std_code(client):
    assert check(client, "080 2345 6789").startswith("080 2345 6789 looks like a landline.")


def test_a_number_from_another_country_is_shown_in_international_format(client):
    assert check(client, "+44 7911 123456") == "+44 7911 123456 is a valid number."
