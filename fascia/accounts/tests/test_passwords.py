"""Passwords: Argon2, at least 12 characters, no common ones, no composition rules."""

import re

import pytest
from django.contrib.auth.hashers import Argon2PasswordHasher
from django.core import mail

from fascia import settings as production
from fascia.clinics.actions import invitation_link
from fascia.tests.html import soup_of, text_of


def test_production_stores_passwords_with_argon2():
    assert production.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    hasher = Argon2PasswordHasher()
    hashed = hasher.encode("the piriformis runs under the gluteus", hasher.salt())
    assert hashed.startswith("argon2$argon2id$")
    assert hasher.verify("the piriformis runs under the gluteus", hashed)


@pytest.fixture
def invited(client, asha, bangalore):
    """The page of an invitation Asha sent to a new front-desk colleague."""
    from fascia.clinics.actions import staff_invite

    invitation = staff_invite(
        email="divya@fascia.example",
        first_name="Divya",
        last_name="Nair",
        clinic=bangalore,
        role="front_desk",
        by=asha,
    )
    return client.get(invitation_link(invitation.member), follow=True).redirect_chain[-1][0]


def choose(client, url, password):
    return client.post(url, {"new_password1": password, "new_password2": password})


class TestChoosingAPassword:
    def test_eleven_characters_are_too_few(self, client, invited):
        response = choose(client, invited, "abcdefghjkm")
        assert response.status_code == 200
        assert "It must contain at least 12 characters." in text_of(response)

    @pytest.mark.parametrize("password", ["qwerty123456", "1qaz2wsx3edc", "Q1W2E3R4T5Y6"])
    def test_a_common_password_is_refused(self, client, invited, password):
        response = choose(client, invited, password)
        assert "This password is too common." in text_of(response)

    @pytest.mark.parametrize(
        "password",
        ["all lower case words", "83920174650193", "kavyacalledbackatsix"],
        ids=["words", "digits only", "letters only"],
    )
    def test_there_are_no_composition_rules(self, client, invited, password):
        assert choose(client, invited, password).status_code == 302


def test_the_sign_in_page_links_to_the_reset_and_the_email_names_the_link(client, arjun):
    soup = soup_of(client.get("/app/login/"))
    assert soup.find("a", string="Forgot your password?")["href"] == "/app/password-reset/"
    client.post("/app/password-reset/", {"email": "arjun@fascia.example"})
    assert re.search(r"http://\S+/app/password-reset/[^/\s]+/[^/\s]+/", mail.outbox[0].body)
