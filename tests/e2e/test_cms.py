"""An editor keeps the site right: draft, preview, publish, history, under the strict CSP."""

import re

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from fascia.website.models import TreatmentPage

pytestmark = pytest.mark.e2e

TREATMENT_URL = "/treatments/dry-needling-for-piriformis-syndrome/"
RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(`${event.violatedDirective} ${event.sourceFile}:${event.lineNumber}`);
});
"""


@pytest.fixture
def editor_page(browsing, sign_in):
    get_user_model().objects.create_superuser("neha", password="a-long-editor-password")
    page = browsing.new_page()
    page.context.add_init_script(RECORD_VIOLATIONS)
    sign_in(page, "neha", "a-long-editor-password", login_url="/cms/login/")
    expect(page).to_have_url(re.compile(r"/cms/$"))
    return page


def script_violations(page):
    return [v for v in page.evaluate("window.__cspViolations") if v.startswith("script-src")]


def test_an_editor_drafts_previews_and_publishes_a_change(editor_page, browsing):
    page = editor_page
    visitor = browsing.new_page()
    visitor.goto(TREATMENT_URL)
    original = visitor.locator(".lead").inner_text()

    treatment = TreatmentPage.objects.get()
    page.goto(f"/cms/pages/{treatment.pk}/edit/")
    summary = page.locator("#id_summary")
    summary.fill("Fine needles for a tight, painful piriformis, as one part of your plan.")
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_text(re.compile("has been updated"))).to_be_visible()

    # A draft changes nothing for visitors.
    visitor.goto(TREATMENT_URL)
    expect(visitor.locator(".lead")).to_have_text(original)

    # The preview shows the draft.
    preview = page.context.request.get(f"/cms/pages/{treatment.pk}/view_draft/")
    assert "one part of your plan" in preview.text()

    page.get_by_role("button", name="More actions").click()
    page.get_by_role("button", name="Publish").click()
    expect(page.get_by_text(re.compile("has been published"))).to_be_visible()

    # Published: the next visit shows it at once, though the page was cached.
    visitor.goto(TREATMENT_URL)
    expect(visitor.locator(".lead")).to_have_text(
        "Fine needles for a tight, painful piriformis, as one part of your plan."
    )

    page.goto(f"/cms/pages/{treatment.pk}/history/")
    expect(page.get_by_text("Published").first).to_be_visible()
    assert script_violations(page) == []


def test_the_page_editor_works_under_the_content_security_policy(editor_page):
    page = editor_page
    condition = TreatmentPage.objects.get().condition
    page.goto(f"/cms/pages/{condition.pk}/edit/")

    # An inline panel (related conditions) adds a row; its page chooser starts.
    rows = page.locator("[data-inline-panel-child]:not(.deleted)")
    before = rows.count()
    page.get_by_role("button", name="Add related condition").click()
    expect(rows).to_have_count(before + 1)
    rows.last.get_by_role("button", name=re.compile("Choose")).click()
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_role("heading", name=re.compile("Choose"))).to_be_visible()
    dialog.get_by_role("button", name="Close").click()
    expect(dialog).to_be_hidden()

    # The date picker on the settings tab opens.
    page.get_by_role("tab", name="Settings").click()
    page.locator("#id_last_reviewed").click()
    expect(page.locator(".xdsoft_datetimepicker:visible")).to_have_count(1)

    assert script_violations(page) == []


WIDE = {"width": 1280, "height": 800}
PHONE = {"width": 360, "height": 780}
CMS_PAGES = {
    "dashboard": "/cms/",
    "explorer": "/cms/pages/",
    "clinic-details": "/cms/settings/website/clinicsettings/",
    "symptoms": "/cms/snippets/website/symptom/",
}


def test_the_editor_s_pages_have_no_axe_violations(editor_page, assert_accessible):
    """Each page is loaded once and checked wide, then again narrowed to a phone."""
    page = editor_page
    treatment = TreatmentPage.objects.get()
    urls = {
        **CMS_PAGES,
        "treatment-editor": f"/cms/pages/{treatment.pk}/edit/",
        "condition-editor": f"/cms/pages/{treatment.condition.pk}/edit/",
    }
    for name, url in urls.items():
        page.set_viewport_size(WIDE)
        page.goto(url)
        page.wait_for_load_state("networkidle")
        assert_accessible(page, f"{name} ({url}) at 1280 px")
        page.set_viewport_size(PHONE)
        assert_accessible(page, f"{name} ({url}) at 360 px")


def test_the_login_page_has_no_axe_violations(browsing, assert_accessible):
    page = browsing.new_page()
    page.goto("/cms/login/")
    assert_accessible(page, "CMS login")
