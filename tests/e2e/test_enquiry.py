"""A patient's enquiry from the treatment page to the staff inbox, in a real browser."""

import re

import pytest
from playwright.sync_api import expect

from fascia.enquiries.models import Enquiry
from fascia.enquiries.tests.factories import EnquiryFactory

TREATMENT_URL = "/treatments/dry-needling-for-piriformis-syndrome/"


@pytest.fixture
def quick_forms(settings):
    """People in these tests fill the form faster than the anti-bot minimum time allows."""
    settings.FASCIA_ENQUIRY_MIN_SECONDS = 0


def fill_enquiry(page, phone: str) -> None:
    form = page.locator("form.enquiry-form")
    form.get_by_label("Your name").fill("Asha Rao")
    form.get_by_label("Mobile number").fill(phone)
    form.get_by_label("Bangalore", exact=False).first.check()
    form.get_by_label("Evening", exact=False).check()
    form.get_by_label("I agree").check()


def test_a_patient_enquires_and_the_front_desk_marks_it_contacted(
    mobile_page, desktop_page, priya, assert_accessible, quick_forms, sign_in
):
    page = mobile_page
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

    staff = desktop_page
    staff.goto("/app/enquiries/")
    expect(staff).to_have_url(re.compile(r"/app/login/\?next="))
    assert_accessible(staff, "the staff sign-in page")
    sign_in(staff, "priya@fascia.example", login_url=None)

    expect(staff.get_by_role("heading", level=1)).to_have_text("Enquiries")
    staff.get_by_text("Filter and sort").click()
    staff.get_by_label("Name, phone or reference").fill("89510 47001")
    staff.get_by_role("button", name="Show enquiries").click()
    row = staff.get_by_role("row").filter(has_text=reference)
    expect(row).to_contain_text("Asha Rao")
    expect(row).to_contain_text("New")
    assert_accessible(staff, "the enquiry inbox")

    row.get_by_role("link", name=reference).click()
    expect(staff.locator("main")).to_contain_text("Dry needling therapy for piriformis syndrome")
    assert_accessible(staff, "an enquiry in the inbox")
    staff.get_by_role("radio", name="Contacted").check()
    staff.get_by_role("button", name="Change status").click()
    expect(staff.locator("h1 .status")).to_have_text("Contacted")
    expect(staff.locator("main")).to_contain_text("Priya")
    enquiry.refresh_from_db()
    assert enquiry.status == "contacted"


def test_the_number_is_checked_while_it_is_typed(mobile_page):
    page = mobile_page
    page.goto("/enquire/")
    phone = page.get_by_label("Mobile number")
    phone.press_sequentially("89510 4")
    expect(page.locator("#phone-check")).to_contain_text("too short")
    phone.press_sequentially("7001")
    expect(page.locator("#phone-check")).to_have_text("89510 47001 is a valid number.")


def test_the_form_works_without_javascript(browsing, quick_forms):
    page = browsing.new_page(java_script_enabled=False)
    page.goto("/enquire/")
    fill_enquiry(page, "98765 43210")
    page.get_by_label("What do you need help with?").fill("Pain down the back of my leg.")
    page.get_by_role("button", name="Send enquiry").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("We have your enquiry")
    assert Enquiry.objects.get().phone.as_e164 == "+919876543210"


def test_the_front_desk_erases_an_enquiry_on_request(
    desktop_page, priya, assert_accessible, sign_in
):
    enquiry = EnquiryFactory(name="Ravi Kumar")
    page = desktop_page
    page.goto(f"/app/enquiries/{enquiry.reference}/")
    sign_in(page, "priya", login_url=None)

    page.get_by_role("link", name="Erase their details…").click()
    assert_accessible(page, "the erase confirmation")
    page.get_by_role("button", name="Erase their details").click()
    expect(page.locator("main")).not_to_contain_text("Ravi Kumar")
    expect(page.locator("main")).to_contain_text("(erased)")
    assert_accessible(page, "an erased enquiry")
    enquiry.refresh_from_db()
    assert enquiry.is_erased


def test_the_staff_pages_fit_a_360_px_phone(mobile_page, priya, assert_accessible, sign_in):
    enquiry = EnquiryFactory(name="Ravi Kumar")
    page = mobile_page
    sign_in(page, "priya")
    for url in (
        "/app/enquiries/",
        f"/app/enquiries/{enquiry.reference}/",
        f"/app/enquiries/{enquiry.reference}/erase/",
    ):
        page.goto(url)
        width = page.evaluate("() => document.documentElement.scrollWidth")
        assert width <= 360, f"{url} is {width} px wide"
        assert_accessible(page, url)
