"""Journeys 3 to 5 in a real browser: from an enquiry to a screened, assessed patient who has
consented; and a self-check that must send someone to an emergency department at once."""

import re

from playwright.sync_api import expect

from fascia.enquiries.tests.factories import EnquiryFactory
from fascia.records.models import Assessment, Consent, Episode, EpisodeStatus, Measurement

# Kavya's answers to the screening questions: no red flags, nothing against needling.
KAVYA = {
    "age": "34",
    "pregnant": "no",
    "buttock_pain": "yes",
    "worse_sitting": "yes",
    "tension_pain": "yes",
    "pain_spread": ["back_of_thigh"],
    "symptom_weeks": "12",
    "treatments_tried": ["stretching", "rest"],
    "treatments_helped": "helped_a_little",
    "sitting_minutes": "20",
    **dict.fromkeys(
        [
            "saddle_numbness",
            "bladder_bowel_change",
            "progressive_weakness",
            "cancer_history",
            "weight_loss",
            "fever_or_infection",
            "immune_or_injecting",
            "trauma_onset",
            "long_term_steroids",
            "night_or_rest_pain",
            "new_pain",
            "no_improvement",
            "needle_fear",
            "prefers_no_needling",
            "acutely_unwell",
            "lymphoedema",
            "skin_at_needle_site",
            "bleeding_risk",
            "needs_interpreter",
        ],
        "no",
    ),
    "health_conditions": ["none_of_these"],
}
# Journey 5: the LEFS items Arjun enters, summing to 52 of 80.
LEFS_ITEMS = [3, 2, 3, 4, 3, 1, 2, 3, 1, 2, 4, 3, 3, 3, 1, 3, 3, 3, 2, 3]


def answer_shown_questions(page, answers: dict) -> None:
    """Answer every question of the step that is on screen, as a patient would tap it."""
    for name, value in answers.items():
        fields = page.locator(f"[name='{name}']:visible")
        if fields.count() == 0:
            continue
        kind = fields.first.get_attribute("type")
        if kind == "radio":
            page.locator(f"[name='{name}'][value='{value}']").check()
        elif kind == "checkbox":
            for option in value:
                page.locator(f"[name='{name}'][value='{option}']").check()
        else:
            fields.first.fill(value)


def assert_fits_a_phone(page, what: str) -> None:
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 360, f"{what} is {width} px wide"


def test_from_an_enquiry_to_a_screened_assessed_patient_who_has_consented(
    desktop_page, mobile_page, browsing, assert_accessible, bangalore, priya, arjun, sign_in
):
    enquiry = EnquiryFactory(
        name="Kavya Rao", phone="+919845012345", email="kavya@example.in", clinic=bangalore
    )

    # Journey 3: Priya converts the enquiry and sends the screening questions.
    desk = desktop_page
    sign_in(desk, "priya")
    expect(desk.get_by_role("heading", level=1)).to_have_text("Hello, Priya")
    assert_accessible(desk, "the front desk's start page")
    desk.goto(f"/app/enquiries/{enquiry.reference}/")
    assert_accessible(desk, "an enquiry with its work-queue actions")
    desk.get_by_role("link", name="Convert into a patient").click()
    assert_accessible(desk, "converting an enquiry")
    desk.locator("#id_date_of_birth").fill("1992-03-14")
    desk.locator("input[name='sex'][value='female']").check()
    desk.locator("#id_physiotherapist").select_option(label=arjun.get_full_name())
    desk.get_by_role("button", name="Convert into a patient").click()
    expect(desk.get_by_role("heading", level=1)).to_contain_text("Kavya Rao")
    assert_accessible(desk, "the patient page for the front desk")
    expect(desk.locator("main")).to_contain_text("Not sent")
    desk.get_by_role("link", name=re.compile("Send questions to the patient")).click()
    assert_accessible(desk, "the private links page")
    desk.get_by_role("button", name="Create the link").click()
    link = desk.locator("#link-url").input_value()
    assert re.search(r"/check/[\w-]{40,}/$", link)
    assert_accessible(desk, "a new private link")
    desk.get_by_role("button", name="Email the link").click()
    expect(desk.locator("main")).to_contain_text("kavya@example.in")

    # Journey 4: Kavya answers on her phone, one step at a time.
    phone = mobile_page
    phone.goto(link)
    assert_accessible(phone, "the private link's first page")
    phone.get_by_role("link", name="Start").click()
    while phone.get_by_role("heading", level=1).inner_text() != "Check your answers":
        assert_fits_a_phone(phone, phone.url)
        answer_shown_questions(phone, KAVYA)
        phone.get_by_role("button", name="Continue").click()
    assert_accessible(phone, "checking the answers")
    phone.get_by_role("button", name="Send my answers").click()
    expect(phone.locator("main")).to_contain_text("Nothing in your answers rules out dry needling")
    assert_accessible(phone, "the thank-you page")
    episode = Episode.objects.get(patient__full_name="Kavya Rao")
    assert episode.status == EpisodeStatus.ASSESSMENT

    # Journey 5: Arjun assesses Kavya, marks two trigger points by keyboard, records the LEFS
    # and her consent, and sees the baseline on her episode page.
    clinic = desktop_page.context.browser.new_context(
        viewport={"width": 1024, "height": 768}, base_url=browsing.base_url
    ).new_page()
    browsing.contexts.append(clinic.context)
    clinic.context.route("**/*", browsing._route)
    sign_in(clinic, "arjun")
    expect(clinic.locator("main")).to_contain_text("Kavya Rao")
    assert_accessible(clinic, "the physiotherapist's start page")
    clinic.goto(f"/app/episodes/{episode.pk}/")
    assert_accessible(clinic, "the episode page before the assessment")
    clinic.get_by_role("link", name="The screening in full").click()
    expect(clinic.locator("main")).to_contain_text(
        "Clinic policy: our choice, not published evidence"
    )
    assert_accessible(clinic, "the clinician's screening page")

    clinic.goto(f"/app/episodes/{episode.pk}/assessment/new/")
    clinic.locator("[name='onset'][value='gradual']").check()
    clinic.locator("[name='duration_weeks']").fill("12")
    clinic.locator("[name='sitting_minutes']").fill("20")
    clinic.locator("[name='test-fair-left'][value='positive']").check()
    clinic.locator("[name='test-seated_piriformis_stretch-left'][value='positive']").check()
    clinic.locator("[name='test-straight_leg_raise-left'][value='negative']").check()
    clinic.locator("[name='rom-hip_internal_rotation-left']").fill("25")
    clinic.locator("[name='rom-hip_internal_rotation-right']").fill("38")
    clinic.locator("[name='pain-now']").fill("6")
    clinic.locator("[name='pain-worst_week']").fill("8")
    clinic.locator("[name='pain-least_week']").fill("3")
    clinic.get_by_text("Enter the LEFS in the clinic").click()
    items = clinic.locator("fieldset.lefs-item")
    for item, rating in enumerate(LEFS_ITEMS):
        items.nth(item).locator(f"[value='{rating}']").check()
    for muscle, presses in (("piriformis", 1), ("gluteus_medius", 2)):
        chooser = clinic.locator(f"[name='tp-{muscle}-left']")
        chooser.focus()
        for _ in range(presses):
            clinic.keyboard.press("ArrowDown")
    expect(clinic.locator("[name='tp-piriformis-left']")).to_have_value("active")
    expect(clinic.locator("[name='tp-gluteus_medius-left']")).to_have_value("latent")
    clinic.locator("[name='diagnosis_code']").select_option("G57.0")
    clinic.locator("[name='diagnosis_side']").select_option("left")
    assert_accessible(clinic, "the assessment form, filled in")
    clinic.get_by_role("button", name="Save the assessment").click()
    expect(clinic.locator("main")).to_contain_text("Piriformis")
    assert_accessible(clinic, "the recorded assessment")
    assessment = Assessment.objects.get(episode=episode)
    assert sorted(assessment.trigger_points.values_list("muscle", "side", "kind")) == [
        ("gluteus_medius", "left", "latent"),
        ("piriformis", "left", "active"),
    ]
    assert Measurement.objects.get(episode=episode, measure="lefs").value == 52

    clinic.goto(f"/app/episodes/{episode.pk}/consent/")
    expect(clinic.locator("main")).to_contain_text("bruising")
    assert_accessible(clinic, "the consent page")
    clinic.locator("[name='patient_confirmed']").check()
    clinic.get_by_role("button", name="Record consent").click()
    assert Consent.objects.filter(episode=episode, withdrawn_at__isnull=True).exists()

    clinic.goto(f"/app/episodes/{episode.pk}/")
    measures = clinic.locator("#measures-heading + *, section:has(#measures-heading)").first
    expect(measures).to_contain_text("52")
    expect(measures).to_contain_text("LEFS")
    expect(clinic.locator("main")).to_contain_text("Consent")
    assert_accessible(clinic, "the episode page with the baseline")


def test_a_self_check_reporting_numbness_between_the_legs_sends_them_to_hospital_at_once(
    mobile_page, assert_accessible
):
    page = mobile_page
    page.goto("/self-check/")
    assert_accessible(page, "the self-check's first page")
    page.get_by_role("link", name="Start the questions").click()
    answers = {**KAVYA, "saddle_numbness": "yes"}
    carry_on = page.get_by_role("button", name="Carry on with the questions")
    while carry_on.count() == 0:
        assert_fits_a_phone(page, page.url)
        answer_shown_questions(page, answers)
        page.get_by_role("button", name="Continue").click()
    expect(page.locator("main")).to_contain_text("emergency")
    assert_fits_a_phone(page, "the urgent advice")
    assert_accessible(page, "the self-check's urgent advice")
