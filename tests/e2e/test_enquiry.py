"""A patient's enquiry from the treatment page to the staff inbox, in a real browser."""

import re

import pytest
from playwright.sync_api import expect

from fascia.enquiries.models import Enquiry

TREATMENT_URL = "/treatments/dry-needling-for-piriformis-syndrome/"


@pytest.fixture
def quick_forms(settings):
    """People in these tests fill the form faster than the anti-bot minimum time allows."""
    settings.FASCIA_ENQUIRY_MIN_SECONDS = 0


def fill_enquiry(page, phone: str) -> None:
    form = page.locator("form.enquiry-form")
    form.get_by_label("Your name").fill("Asha Rao")
    form.get_by_label("Mobile number").fill(phone)
    form.get_by_label("Hyderabad", exact=False).first.check()
    form.get_by_label("Evening", exact=False).check()
    form.get_by_label("I agree").check()


def test_a_patient_corrects_a_mistyped_number_and_gets_a_reference(
    desktop_page, assert_accessible, quick_forms
):
    page = desktop_page
    page.goto(TREATMENT_URL)
    message = page.get_by_label("What do you need help with?")
    expect(message).to_have_value(re.compile("Dry needling"))
    assert_accessible(page, "the treatment page with its enquiry form")

    fill_enquiry(page, "89510 470")
    page.get_by_role("button", name="Send enquiry").click()

    summary = page.locator(".error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("This number is too short")
    expect(page.get_by_label("Your name")).to_have_value("Asha Rao")
    assert_accessible(page, "the form with an error")

    summary.get_by_role("link", name=re.compile("too short")).click()
    phone = page.get_by_label("Mobile number")
    expect(phone).to_be_focused()
    phone.fill("+91 89510 47001")
    page.get_by_label("I agree").check()
    page.get_by_role("button", name="Send enquiry").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("We have your enquiry")
    reference = page.locator(".reference").inner_text()
    enquiry = Enquiry.objects.get(reference=reference)
    assert enquiry.phone.as_e164 == "+918951047001"
    assert enquiry.source_url == TREATMENT_URL
    assert_accessible(page, "the confirmation page")


def test_the_number_is_checked_while_it_is_typed(mobile_page):
    page = mobile_page
    page.goto("/enquire/")
    phone = page.get_by_label("Mobile number")
    phone.press_sequentially("89510 4")
    expect(page.locator("#phone-check")).to_contain_text("too short")
    phone.press_sequentially("7001")
    expect(page.locator("#phone-check")).to_have_text("089510 47001 is a valid number.")


def test_the_form_works_without_javascript(browsing, quick_forms):
    page = browsing.new_page(java_script_enabled=False)
    page.goto("/enquire/")
    fill_enquiry(page, "98765 43210")
    page.get_by_label("What do you need help with?").fill("Pain down the back of my leg.")
    page.get_by_role("button", name="Send enquiry").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("We have your enquiry")
    assert Enquiry.objects.get().phone.as_e164 == "+919876543210"
