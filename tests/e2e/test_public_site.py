"""The public site as a visitor's browser sees it: journeys, accessibility and layout."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e

TREATMENT_URL = "/treatments/dry-needling-for-piriformis-syndrome/"
TREATMENT_TITLE = "Dry needling therapy for piriformis syndrome"
CLINIC_PHONE_HREF = "tel:+918951047001"
MOBILE_WIDTH = 360
DESKTOP_SIZE = {"width": 1280, "height": 800}
PHONE_SIZE = {"width": MOBILE_WIDTH, "height": 780}

PAGES = {
    "home": "/",
    "condition-index": "/conditions/",
    "condition": "/conditions/piriformis-syndrome/",
    "therapy-index": "/therapies/",
    "therapy": "/therapies/dry-needling/",
    "treatment-index": "/treatments/",
    "treatment": TREATMENT_URL,
    "article-index": "/articles/",
    "article": "/articles/sitting-and-buttock-pain/",
    "clinic-index": "/clinics/",
    "clinic": "/clinics/bangalore/",
    "professional-index": "/professionals/",
    "professional": "/professionals/arjun-rao/",
    "enquire": "/enquire/",
    "privacy-notice": "/enquire/privacy/",
    "not-found": "/no-such-page/",
}


def visit(page, url):
    response = page.goto(url)
    expected = 404 if url == PAGES["not-found"] else 200
    assert response.status == expected, f"{url} answered {response.status}"
    return response


def faq_question(page, wording):
    return page.locator("#faq details").filter(
        has=page.locator("summary", has_text=re.compile(wording, re.IGNORECASE))
    )


def test_a_visitor_finds_the_treatment_and_reads_an_faq_answer(desktop_page):
    page = desktop_page
    visit(page, "/")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Treatments").click()
    expect(page).to_have_url(re.compile(r"/treatments/$"))
    page.get_by_role("main").get_by_role("link", name=TREATMENT_TITLE).click()
    expect(page).to_have_url(re.compile(re.escape(TREATMENT_URL) + "$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(TREATMENT_TITLE)

    question = faq_question(page, r"Is it painful\?")
    expect(question).to_have_count(1)
    answer = question.locator(".faq__answer")
    expect(answer).to_be_hidden()
    question.locator("summary").click()
    expect(question).to_have_attribute("open", "")
    expect(answer).to_be_visible()

    expect(page.locator("#urgent-help")).to_be_visible()
    expect(page.locator(f'a[href="{CLINIC_PHONE_HREF}"]').first).to_be_attached()


def test_the_home_page_hero_leads_to_the_flagship_treatment(mobile_page):
    page = mobile_page
    visit(page, "/")
    page.locator(".hero").get_by_role("link", name=TREATMENT_TITLE).click()
    expect(page).to_have_url(re.compile(re.escape(TREATMENT_URL) + "$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(TREATMENT_TITLE)


def test_every_page_type_has_no_axe_violations_wide_or_on_a_phone(desktop_page, assert_accessible):
    # One test loads each page type once and checks it at 1280 px, then narrowed to 360 px:
    # a test per page and width would spend most of its time in setup.
    page = desktop_page
    failures = []
    for name, url in PAGES.items():
        page.set_viewport_size(DESKTOP_SIZE)
        visit(page, url)
        for width, size in (("1280 px", DESKTOP_SIZE), ("360 px", PHONE_SIZE)):
            page.set_viewport_size(size)
            try:
                assert_accessible(page, f"{name} ({url}) at {width}")
            except AssertionError as failure:
                failures.append(str(failure))
    assert not failures, "\n\n".join(failures)


def test_the_treatment_page_with_an_faq_open_has_no_axe_violations(page, assert_accessible):
    visit(page, TREATMENT_URL)
    question = faq_question(page, r"Is it painful\?")
    question.locator("summary").click()
    expect(question.locator(".faq__answer")).to_be_visible()
    assert_accessible(page, f"{TREATMENT_URL} with an FAQ answer open")


# The elements that reach past the right edge of the viewport, for the failure message.
OVERFLOWING = """() => [...document.querySelectorAll('body *')]
    .filter((el) => el.getBoundingClientRect().right > document.documentElement.clientWidth)
    .slice(0, 5)
    .map((el) => [el.tagName.toLowerCase(), el.getAttribute('class')].filter(Boolean).join('.'))"""


def test_no_page_scrolls_sideways_at_360_px(mobile_page):
    # One test walks every page type: a test each would spend most of its time in setup.
    too_wide = []
    for url in PAGES.values():
        visit(mobile_page, url)
        width = mobile_page.evaluate("() => document.documentElement.scrollWidth")
        if width > MOBILE_WIDTH:
            too_wide.append(
                f"{url}: {width} px, past the edge: {mobile_page.evaluate(OVERFLOWING)}"
            )
    assert not too_wide, "Pages wider than the 360 px viewport:\n" + "\n".join(too_wide)


def test_an_unknown_address_gets_a_helpful_not_found_page(desktop_page):
    page = desktop_page
    visit(page, PAGES["not-found"])
    expect(page).to_have_title(re.compile(r"^Page not found"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")
    expect(page.get_by_role("navigation", name="Main")).to_be_visible()
    page.get_by_role("main").get_by_role("link", name="Treatments").click()
    expect(page).to_have_url(re.compile(r"/treatments/$"))


def test_the_server_error_page_stands_alone_and_is_accessible(desktop_page, assert_accessible):
    # Django renders 500.html without a request context when something has gone wrong,
    # possibly with the database: it must need nothing but itself and the stylesheet.
    from django.template.loader import get_template

    html = get_template("500.html").render()
    page = desktop_page
    visit(page, "/")
    page.set_content(html)
    expect(page.get_by_role("heading", level=1)).to_have_text("Something went wrong")
    assert page.evaluate("() => document.styleSheets[0].cssRules.length") > 0
    assert_accessible(page, "500.html")


def test_the_faq_opens_without_javascript(browsing):
    page = browsing.new_page(java_script_enabled=False)
    visit(page, TREATMENT_URL)
    question = faq_question(page, r"Is it painful\?")
    answer = question.locator(".faq__answer")
    expect(answer).to_be_hidden()
    question.locator("summary").click()
    expect(answer).to_be_visible()


def test_the_first_tab_reaches_the_skip_link_and_enter_moves_to_main(page):
    visit(page, TREATMENT_URL)
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to main content")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"#main$"))
    expect(page.locator("main#main")).to_be_focused()
