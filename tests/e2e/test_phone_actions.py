"""Call, WhatsApp and the enquiry form from the top of the treatment page, on a small phone."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e

TREATMENT_URL = "/treatments/dry-needling-for-piriformis-syndrome/"
# A small phone: the actions must be on the first screen even here.
SMALL_PHONE = {"width": 360, "height": 640}
MIN_TAP_TARGET = 48

# The page's cumulative layout shift so far, as the browser measured it.
LAYOUT_SHIFT = """() => new Promise((resolve) => {
    new PerformanceObserver((list) => {
        resolve(list.getEntries().reduce((sum, entry) => sum + entry.value, 0));
    }).observe({type: 'layout-shift', buffered: true});
    setTimeout(() => resolve(0), 250);
})"""


def test_the_top_of_the_treatment_page_calls_messages_or_jumps_to_the_form(
    browsing, assert_accessible
):
    page = browsing.new_page(SMALL_PHONE)
    assert page.goto(TREATMENT_URL).status == 200
    actions = page.get_by_role("list", name="Get in touch").get_by_role("link")
    expect(actions).to_have_count(3)
    call, whatsapp, enquire = actions.all()

    for action in (call, whatsapp, enquire):
        expect(action).to_be_in_viewport(ratio=1)
        box = action.bounding_box()
        assert box["height"] >= MIN_TAP_TARGET
        assert box["width"] >= MIN_TAP_TARGET
        # In the flow of the page, so it never covers what the person is reading.
        assert action.evaluate("(a) => getComputedStyle(a.closest('ul')).position") == "static"
    expect(call).to_have_attribute("href", re.compile(r"^tel:\+91\d{10}$"))
    expect(whatsapp).to_have_attribute("href", re.compile(r"^https://wa\.me/91\d{10}\?text=.+"))
    assert page.evaluate(LAYOUT_SHIFT) == 0
    assert_accessible(page, f"{TREATMENT_URL} at 360 px")

    enquire.click()
    expect(page).to_have_url(re.compile(r"#enquire$"))
    expect(page.get_by_role("heading", name="Ask us about this")).to_be_in_viewport()
    # The next Tab goes into the form, not back to the top of the page.
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.closest('#enquire') !== null")
