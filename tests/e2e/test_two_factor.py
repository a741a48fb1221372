"""A new physiotherapist opens the invitation, sets a password, sets up an authenticator app,
keeps the recovery codes, and signs in with two factors; a wrong code is refused."""

import re
from base64 import b32decode

from django.core import mail
from django_otp.oath import TOTP
from playwright.sync_api import expect

from fascia.accounts.models import User
from fascia.clinics.actions import staff_invite
from fascia.clinics.models import Role

PASSWORD = "kavya-was-called-back-at-six"


def code_from_key(typed_key: str) -> str:
    """What an authenticator app shows for the key typed into it from the setup page."""
    return f"{TOTP(b32decode(typed_key.replace(' ', ''))).token():06d}"


def type_password(page) -> None:
    page.get_by_label("Username or email address").fill("divya@fascia.example")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def assert_fits_a_phone(page, what: str) -> None:
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 360, f"{what} is {width} px wide"


def test_a_new_physiotherapist_signs_in_with_two_factors(
    mobile_page, asha, bangalore, assert_accessible, app_code
):
    staff_invite(
        email="divya@fascia.example",
        first_name="Divya",
        last_name="Nair",
        clinic=bangalore,
        role=Role.PHYSIOTHERAPIST,
        by=asha,
    )
    page = mobile_page
    page.goto(re.search(r"/app/invitation/\S+/", mail.outbox[-1].body).group(0))
    expect(page.get_by_role("heading", level=1)).to_have_text("Set your password")
    assert_accessible(page, "the invitation")
    page.locator("#id_new_password1").fill(PASSWORD)
    page.locator("#id_new_password2").fill(PASSWORD)
    page.get_by_role("button", name="Set my password").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    assert_accessible(page, "the sign-in page")
    type_password(page)

    # A physiotherapist sees health records: the app is set up before anything else.
    expect(page.get_by_role("heading", level=1)).to_have_text("Set up your authenticator app")
    expect(page.get_by_role("img", name="QR code for your authenticator app")).to_be_visible()
    assert_accessible(page, "setting up the authenticator app")
    assert_fits_a_phone(page, "the setup page")
    page.goto("/app/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Set up your authenticator app")
    key = page.locator("#secret").inner_text()
    page.get_by_label("Code from your app").fill(code_from_key(key))
    page.get_by_role("button", name="Confirm and continue").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Your recovery codes")
    expect(page.locator(".recovery-codes li")).to_have_count(10)
    assert_accessible(page, "the recovery codes")
    page.get_by_role("link", name="I have kept them: continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Hello, Divya")

    page.get_by_role("button", name="Sign out").click()
    type_password(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Your code")
    assert_accessible(page, "the code page")
    page.get_by_label("Code").fill("000000")
    page.get_by_role("button", name="Continue").click()
    expect(page.locator(".error-summary")).to_contain_text("That code is not right")
    assert_accessible(page, "a wrong code")
    page.goto("/app/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your code")

    page.wait_for_timeout(1000)  # the app's own pause after a wrong code: one second
    page.get_by_label("Code").fill(app_code(User.objects.get(username="divya@fascia.example")))
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Hello, Divya")
    page.get_by_role("link", name="Your account").click()
    expect(page.locator("main")).to_contain_text("You have 10 recovery codes left.")
    assert_accessible(page, "the account page")
