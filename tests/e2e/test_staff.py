"""An administrator invites a colleague, who sets a password and signs in, in a real browser."""

import re

from django.core import mail
from playwright.sync_api import expect

NEW_PASSWORD = "kavya-was-called-back-at-six"


def test_an_administrator_invites_a_front_desk_colleague(
    mobile_page, desktop_page, asha, assert_accessible, sign_in
):
    page = mobile_page
    sign_in(page, "ASHA@fascia.example")
    expect(page.get_by_role("heading", level=1)).to_have_text("Staff")
    assert_accessible(page, "the staff list")

    page.get_by_role("link", name="Add a staff member").click()
    page.get_by_label("First name").fill("Divya")
    page.get_by_label("Last name").fill("Nair")
    page.get_by_label("Email address").fill("divya@fascia.example")
    page.get_by_label("Clinic").select_option(label="Fascia Physiotherapy, Bangalore")
    page.get_by_label("Role").select_option(label="Front desk")
    assert_accessible(page, "the add-staff form")
    page.get_by_role("button", name="Add and send the invitation").click()

    expect(page.locator("main")).to_contain_text("Divya Nair was added and invited by email.")
    assert_accessible(page, "a staff member's page")
    for url in ("/app/staff/", page.url, "/app/staff/add/"):
        page.goto(url)
        width = page.evaluate("() => document.documentElement.scrollWidth")
        assert width <= 360, f"{url} is {width} px wide"

    link = re.search(r"/app/invitation/\S+/", mail.outbox[-1].body).group(0)
    colleague = desktop_page
    colleague.goto(link)
    expect(colleague.get_by_role("heading", level=1)).to_have_text("Set your password")
    assert_accessible(colleague, "the invitation page")
    colleague.locator("#id_new_password1").fill(NEW_PASSWORD)
    colleague.locator("#id_new_password2").fill(NEW_PASSWORD)
    colleague.get_by_role("button", name="Set my password").click()

    sign_in(colleague, "divya@fascia.example", NEW_PASSWORD)
    expect(colleague.get_by_role("heading", level=1)).to_have_text("Hello, Divya")


def test_the_clinic_pages_work_on_a_phone_for_an_administrator_and_a_manager(
    mobile_page, asha, farah, bangalore, assert_accessible, sign_in
):
    page = mobile_page
    sign_in(page, "asha")
    page.goto(f"/app/clinics/{bangalore.pk}/")
    page.locator("#id_phone").fill("98450 1234x")
    page.get_by_role("button", name="Save the changes").click()
    expect(page.locator(".error-summary")).to_contain_text("A phone number can only have")
    pages = ["/app/clinics/", "/app/clinics/add/", page.url]
    for url in pages:
        if url != page.url:
            page.goto(url)
        width = page.evaluate("() => document.documentElement.scrollWidth")
        assert width <= 360, f"{url} is {width} px wide"
        assert_accessible(page, f"{url} for an administrator")

    page.get_by_role("button", name="Sign out").click()
    sign_in(page, "farah")
    page.goto(f"/app/clinics/{bangalore.pk}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(bangalore.name)
    assert_accessible(page, "a clinic for its manager")
