"""On phones: Kiran adds his own dry-needling certificate, which waits; Farah, his clinic
manager, finds it on her start page and checks it against the certificate; then it counts,
and Kiran sees who checked it. axe-core on every page."""

from django.utils import timezone
from playwright.sync_api import expect

from fascia.clinics.credentials import dry_needling_credential
from fascia.clinics.models import Credential

PDF = b"%PDF-1.7\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
PHONE = {"width": 360, "height": 780}


def fits_a_phone(page) -> bool:
    return page.evaluate("() => document.documentElement.scrollWidth") <= 360


def test_a_manager_checks_the_certificate_a_physiotherapist_added_himself(
    browsing, sign_in, assert_accessible, kiran, farah, tmp_path
):
    page = browsing.new_page(PHONE)
    sign_in(page, "kiran")
    page.goto("/app/credentials/add/")
    expect(page.locator("main")).to_contain_text("A credential you add yourself counts once")
    page.get_by_label("Dry needling").check()
    page.get_by_label("Title").fill("Dry needling — level 1")
    page.get_by_label("Issued by").fill("Indian Association of Physiotherapists")
    page.get_by_label("Valid from").fill("2026-01-10")
    scan = tmp_path / "certificate.pdf"
    scan.write_bytes(PDF)
    page.get_by_label("Evidence (the certificate)").set_input_files(str(scan))
    page.get_by_role("button", name="Add the credential").click()
    expect(page.locator(".credentials")).to_contain_text("Waiting for a manager to check it")
    assert fits_a_phone(page)
    assert_accessible(page, "my credentials, one waiting to be checked")
    assert dry_needling_credential(kiran, timezone.localdate()) is None

    manager = browsing.new_page(PHONE)
    sign_in(manager, "farah")
    to_check = manager.locator("section", has=manager.locator("#to-check-heading"))
    expect(to_check).to_contain_text("Kiran Shetty · Dry needling — level 1")
    expect(to_check.get_by_role("link", name="Download the evidence")).to_be_visible()
    assert fits_a_phone(manager)
    assert_accessible(manager, "the manager's start page with a credential to check")

    to_check.get_by_role("link", name="Kiran Shetty").click()
    expect(manager.locator(".credentials")).to_contain_text("To check")
    assert fits_a_phone(manager)
    assert_accessible(manager, "the staff member's page with a credential to check")
    manager.get_by_role("button", name="Checked against the certificate").click()
    expect(manager.locator(".messages")).to_contain_text(
        "“Dry needling — level 1” is checked and now counts."
    )
    expect(manager.locator(".credentials")).to_contain_text(
        "Checked against the certificate by Farah Khan"
    )
    assert_accessible(manager, "the staff member's page once it is checked")

    held = Credential.objects.get(user=kiran)
    assert dry_needling_credential(kiran, timezone.localdate()) == held
    page.reload()
    expect(page.locator(".credentials")).to_contain_text("Checked against the certificate by")
    expect(page.locator(".credentials")).not_to_contain_text("Waiting for a manager")
