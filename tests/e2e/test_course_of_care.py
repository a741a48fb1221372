"""The course of care in a real browser, continuing tests/e2e/test_workspace.py's journey: Kavya,
screened, assessed (NPRS, LEFS and PSFS baselines) and consented, is treated by Arjun on a
phone at the couch. Session 1 needles her left piriformis and gluteus medius; a count that
does not match is refused; sessions 2 to 4 follow with falling pain; the outcome chart and her
response; a care plan and home exercises with their handout and her own page, offline too; a
needle reported left in her; the review measures; the discharge and its summary. Every page
fits a 360 px screen and passes axe-core."""

import re
from datetime import timedelta
from io import BytesIO

from playwright.sync_api import expect
from pypdf import PdfReader

from fascia.clinics.models import Credential
from fascia.records.consent import ConsentDetails, consent_record
from fascia.records.models import EpisodeStatus
from fascia.records.screening import screening_record
from fascia.records.tests.factories import make_episode
from fascia.treatment.models import (
    AdverseEvent,
    CarePlan,
    ExerciseDone,
    NeedleInsertion,
    TreatmentSession,
)
from fascia.treatment.tests.test_outcomes import assess
from fascia.treatment.tests.test_sessions import SCREENED

CACHED = """async () => {
    const cache = await caches.open("fascia-exercises-v1");
    return (await cache.match(location.origin + location.pathname)) !== undefined;
}"""
PDF = b"%PDF-1.7\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
PHONE = {"width": 360, "height": 780}
DESKTOP = {"width": 1280, "height": 800}


def pdf_from(page, href: str) -> bytes:
    response = page.request.get(href)
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.body().startswith(b"%PDF")
    return response.body()


def text_of_pdf(content: bytes) -> str:
    return " ".join(" ".join(p.extract_text() for p in PdfReader(BytesIO(content)).pages).split())


def needle(page, *, twitch: str, length: str) -> None:
    page.locator(f"[name='needle_length_mm'][value='{length}']").check()
    page.locator("[name='needle_gauge_mm'][value='0.30']").check()
    page.locator("[name='needles']").fill("1")
    page.locator("[name='insertions']").fill("6")
    page.locator("[name='technique'][value='pistoning']").check()
    page.locator(f"[name='twitch'][value='{twitch}']").check()
    page.locator("[name='tolerance'][value='good']").check()
    page.get_by_role("button", name="Record this needling").click()


def press(page, button: str) -> None:
    """Press a button that posts a form, and wait for the page that answers."""
    with page.expect_navigation():
        page.get_by_role("button", name=button).click()


def record_pain(page, *, before: int, after: int) -> None:
    page.locator(f"[name='before'][value='{before}']").check()
    page.locator(f"[name='after'][value='{after}']").check()
    press(page, "Record the pain scores")


def test_kavyas_course_of_care_on_a_phone(
    mobile_page,
    browsing,
    assert_accessible,
    assert_fits_a_phone,
    sign_in,
    bangalore,
    priya,
    arjun,
    tmp_path,
):
    # Part 1's journey ends here: screened with nothing against needling, assessed, consented.
    episode = make_episode(bangalore, by=priya, physiotherapist=arjun)
    screening_record(episode=episode, answers=SCREENED, by=arjun, ip=None)
    assess(episode, by=arjun)
    consent_record(episode=episode, details=ConsentDetails(True), by=arjun, ip=None)
    episode_url = f"/app/episodes/{episode.pk}/"

    page = mobile_page
    sign_in(page, "arjun")
    page.goto(episode_url)
    assert_fits_a_phone(page, "the episode page, ready for its first session")
    assert_accessible(page, "the episode page, ready for its first session")

    # Session 1 at the couch.
    page.get_by_role("button", name="Start session 1").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Session 1: Kavya Rao")
    expect(page.locator("main")).to_contain_text("Needling cannot be recorded yet")
    assert_fits_a_phone(page, "a new session")
    assert_accessible(page, "a new session, before the safety checks")

    page.get_by_role("button", name="Record today's re-check").click()
    expect(page.locator("main")).to_contain_text("Re-checked today")
    for box in page.locator("input[type='checkbox'][name^='step-']").all():
        box.check()
    page.locator("[name='needles_in']").fill("2")
    page.get_by_role("button", name="Record the checklist").click()
    expect(page.locator("main")).not_to_contain_text("Needling cannot be recorded yet")
    expect(page.locator("main")).to_contain_text("The sciatic nerve is close.")
    assert_fits_a_phone(page, "the needling form with the body chart")
    assert_accessible(page, "the needling form with the body chart")

    # The left piriformis tapped on the body chart, the gluteus medius chosen in the list.
    piriformis = page.get_by_label("Left piriformis")
    chart_region = page.locator(f"[data-field='{piriformis.get_attribute('id')}']")
    chart_region.click()
    expect(piriformis).to_be_checked()
    expect(chart_region).to_have_class(re.compile("bc-region--chosen"))
    needle(page, twitch="some", length="60")
    expect(page.locator(".needled")).to_contain_text("Left piriformis")
    page.get_by_label("Left gluteus medius").check()
    needle(page, twitch="many", length="50")
    expect(page.locator(".needled")).to_contain_text("Left gluteus medius")
    assert sorted(NeedleInsertion.objects.values_list("muscle", "side", "twitch")) == [
        ("gluteus_medius", "left", "many"),
        ("piriformis", "left", "some"),
    ]

    # Signing before the needles are counted out, then one needle short: both refused.
    press(page, "Sign the session")
    expect(page.locator(".error-summary")).to_contain_text("The session was not signed.")
    page.locator("[name='needles_out']").fill("1")
    page.get_by_role("button", name="Record the count out").click()
    expect(page.locator(".error-summary")).to_contain_text("1 needle may still be in the patient")
    assert_accessible(page, "a needle count that does not match, refused")
    assert TreatmentSession.objects.get().needles_out is None
    page.locator("[name='needles_out']").fill("2")
    press(page, "Record the count out")
    record_pain(page, before=6, after=3)
    press(page, "Aftercare given now")
    press(page, "Sign the session")
    expect(page.locator(".page-heading")).to_contain_text("Signed")
    expect(page.locator("main")).to_contain_text("The session is locked")
    assert_fits_a_phone(page, "the signed session")
    assert_accessible(page, "the signed session")
    assert TreatmentSession.objects.get().is_signed

    # A needle found in her gown after she left: recorded against the signed session.
    page.get_by_role("link", name="Record an adverse event").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Record an adverse event")
    assert_fits_a_phone(page, "the adverse-event form")
    assert_accessible(page, "recording an adverse event")
    page.get_by_role("button", name="Record the adverse event").click()
    expect(page.locator(".error-summary")).to_contain_text("Choose the type of adverse event.")
    assert_accessible(page, "the adverse-event form with its errors")
    page.get_by_label("Needle left in the patient (usually significant)").check()
    page.get_by_label("Reported after the session").check()
    page.get_by_label("What happened").fill("A needle was found in the gown after she left.")
    page.get_by_label("What was done").fill("Called her back; the site was checked.")
    page.get_by_role("button", name="Record the adverse event").click()
    expect(page.locator(".adverse-events")).to_contain_text("Needle left in the patient")
    assert AdverseEvent.objects.get().severity == "significant"
    page.get_by_role("link", name="Needle left in the patient").click()
    expect(page.locator("main")).to_contain_text("Needs medical care")
    assert_fits_a_phone(page, "an adverse event")
    assert_accessible(page, "an adverse event")
    page.goto("/app/")
    expect(page.locator("main")).to_contain_text("Session 1: Needle left in the patient.")
    assert_fits_a_phone(page, "the start page")
    assert_accessible(page, "the start page with an adverse event")
    page.goto("/app/adverse-events/")
    expect(page.locator("table.rates")).to_contain_text("All adverse events")
    assert_fits_a_phone(page, "the adverse events register")
    assert_accessible(page, "the adverse events register")

    page.goto(episode_url)
    expect(page.locator("table.sessions")).to_contain_text("Left piriformis, Left gluteus medius")
    expect(page.locator(".episode-timeline")).to_contain_text("Session 1 signed")
    expect(page.locator(".episode-timeline")).to_contain_text(
        "Adverse event: Needle left in the patient"
    )
    assert_fits_a_phone(page, "the episode page with its first session")
    assert_accessible(page, "the episode page with its first session")

    # Sessions 2 to 4, briefly: no needling, the pain falling.
    for number, pain in ((2, 5), (3, 4), (4, 3)):
        press(page, f"Start session {number}")
        expect(page.get_by_role("heading", level=1)).to_have_text(f"Session {number}: Kavya Rao")
        record_pain(page, before=pain, after=pain - 1)
        press(page, "Sign the session")
        expect(page.locator(".page-heading")).to_contain_text("Signed")
        page.get_by_role("link", name="Back to Kavya Rao's episode").click()

    # The outcome chart and her response.
    expect(page.locator(".outcome-status")).to_have_text("Responding: a meaningful improvement")
    chart = page.locator(".outcome-chart img")
    expect(chart).to_have_attribute("alt", "Outcome chart: NPRS and LEFS by session")
    page.wait_for_load_state("load")
    assert page.evaluate("(img) => img.complete && img.naturalWidth > 0", chart.element_handle())
    svg = page.request.get(chart.get_attribute("src"))
    assert svg.headers["content-type"].startswith("image/svg+xml")
    assert re.search(r"<title[^>]*>Outcome chart: NPRS and LEFS by session</title>", svg.text())
    assert_fits_a_phone(page, "the episode page with its outcomes")
    assert_accessible(page, "the episode page with its outcomes, at 360 px")
    page.set_viewport_size(DESKTOP)
    assert_accessible(page, "the episode page with its outcomes, at 1280 px")
    page.set_viewport_size(PHONE)

    # The care plan: a target worse than her score now is refused.
    page.get_by_role("link", name="Make the care plan").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Care plan: Kavya Rao")
    assert_fits_a_phone(page, "a new care plan")
    assert_accessible(page, "a new care plan")
    page.get_by_label(re.compile(r"Target\W+Sitting at work")).fill("1")
    page.get_by_role("button", name="Make the care plan").click()
    expect(page.locator(".error-summary")).to_contain_text("better than the score now (3)")
    assert_accessible(page, "a care plan refused")
    page.get_by_label(re.compile(r"Target\W+Sitting at work")).fill("7")
    page.get_by_role("button", name="Make the care plan").click()
    expect(page.locator(".messages")).to_contain_text("The care plan was made.")
    assert_fits_a_phone(page, "the care plan")
    assert_accessible(page, "the care plan made")
    assert CarePlan.objects.get(episode=episode).goals.get(activity="Sitting at work").target == 7

    # Home exercises, their handout, and her private link.
    page.goto(episode_url)
    page.get_by_role("link", name="Give home exercises").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Home exercises: Kavya Rao")
    assert_fits_a_phone(page, "the home-exercise page")
    assert_accessible(page, "the home-exercise page, before any is given")
    page.get_by_label("Piriformis stretch, lying down").check()
    page.get_by_label("Clamshell").check()
    page.locator("[name='exercise-clamshell-dosage']").fill("2 sets of 10, twice a day.")
    page.get_by_role("button", name="Give these exercises").click()
    expect(page.locator(".messages")).to_contain_text("The exercises were given.")
    assert_fits_a_phone(page, "the home-exercise page with a programme")
    assert_accessible(page, "the home-exercise page with a programme")
    handout = page.get_by_role("link", name="Open the handout (PDF)").get_attribute("href")
    assert "Clamshell" in text_of_pdf(pdf_from(page, handout))
    page.get_by_role("button", name="Make the patient's link").click()
    expect(page.locator(".notice--once")).to_contain_text("This link is shown only once")
    assert_fits_a_phone(page, "the patient's new exercise link")
    assert_accessible(page, "the patient's new exercise link")
    link = page.locator("#link-url").input_value()
    assert re.search(r"/p/[\w-]{40,}/$", link)

    # Kavya, on her own phone: a tick, then the page again with no network.
    phone = browsing.new_page(PHONE)
    phone.goto(link)
    expect(phone.get_by_role("heading", level=1)).to_have_text("Your home exercises")
    expect(phone.locator("main")).to_contain_text("How much: 2 sets of 10, twice a day.")
    assert_fits_a_phone(phone, "the patient's exercise page")
    assert_accessible(phone, "the patient's exercise page on a phone")
    phone.get_by_role("button", name=re.compile(r"Done today\W+Clamshell")).click()
    expect(phone.locator("main")).to_contain_text("Done today: Clamshell. Well done.")
    assert ExerciseDone.objects.filter(exercise__exercise="clamshell").count() == 1
    assert_accessible(phone, "the exercise page after a tick")
    phone.wait_for_function(CACHED)
    phone.context.set_offline(True)
    phone.reload()
    expect(phone.get_by_role("heading", level=1)).to_have_text("Your home exercises")
    expect(phone.locator("[data-offline-notice]")).to_be_visible()
    phone.get_by_role("button", name=re.compile(r"Done today\W+Piriformis stretch")).click()
    expect(phone.locator("main")).to_contain_text("Not saved: you are offline.")
    assert_fits_a_phone(phone, "the exercise page offline")
    assert_accessible(phone, "the exercise page offline")
    phone.context.set_offline(False)
    assert ExerciseDone.objects.count() == 1

    page.goto(episode_url)
    adherence = page.locator("section:has(#exercises-heading) table.adherence")
    expect(adherence.locator("tr", has_text="Clamshell")).to_contain_text("1")
    expect(adherence.locator("tr", has_text="Piriformis stretch")).to_contain_text("0")
    timeline = page.locator(".episode-timeline")
    expect(timeline).to_contain_text("Care plan made")
    expect(timeline).to_contain_text("Home exercises given")
    assert_fits_a_phone(page, "the episode page with care plan and exercises")
    assert_accessible(page, "the episode page with care plan, exercises and adherence")

    # The review measures at session 4, then the discharge and its summary.
    page.get_by_role("link", name="Measures at session 4 (LEFS, PSFS)").click()
    assert_fits_a_phone(page, "the measures at a session")
    assert_accessible(page, "the measures at a session")
    page.get_by_label("Sitting at work").fill("7")
    page.get_by_label("Driving").fill("8")
    page.get_by_role("button", name="Save the measures").click()
    expect(page.locator(".messages")).to_contain_text("The measures at session 4 are saved.")
    expect(page.locator(".outcome-changes")).to_contain_text("PSFS: 3.5 → 7.5")

    page.get_by_role("link", name="Discharge the patient").click()
    assert_fits_a_phone(page, "the discharge form")
    assert_accessible(page, "the discharge form")
    page.get_by_label("Goals met").check()
    page.get_by_label("Summary").fill("Pain down from 6 to 3 in four sessions; back at work.")
    page.get_by_role("button", name="Discharge and close the episode").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Discharge: Kavya Rao")
    assert_fits_a_phone(page, "the discharge")
    assert_accessible(page, "the discharge")
    summary = page.get_by_role("link", name="Download the discharge summary (PDF)")
    text = text_of_pdf(pdf_from(page, summary.get_attribute("href")))
    assert "Numeric Pain Rating Scale (NPRS) 6 at assessment 3 session 4 -3 Yes: better" in text
    assert "(PSFS) 3.5 at assessment 7.5 session 4" in text
    assert "(LEFS) 40 at assessment Not measured again" in text
    assert "Needle left in the patient" in text
    episode.refresh_from_db()
    assert episode.status == EpisodeStatus.DISCHARGED

    page.goto(episode_url)
    expect(page.locator(".episode-timeline")).to_contain_text("Discharged: Goals met")
    assert_fits_a_phone(page, "the closed episode")
    assert_accessible(page, "the closed episode")

    # Arjun's certificate has ended: his credentials say so, and he adds the renewal.
    held = Credential.objects.get(user=arjun)
    held.valid_to = held.valid_from + timedelta(days=1)
    held.save(update_fields=["valid_to"])
    page.goto("/app/credentials/")
    expect(page.locator(".credentials")).to_contain_text("Expired")
    assert_fits_a_phone(page, "my credentials")
    assert_accessible(page, "my credentials")
    page.get_by_role("link", name="Add a credential").click()
    page.get_by_label("Dry needling").check()
    page.get_by_label("Title").fill("Dry needling — level 2")
    page.get_by_label("Issued by").fill("Indian Association of Physiotherapists")
    page.get_by_label("Valid from").fill("2026-01-10")
    scan = tmp_path / "certificate.pdf"
    scan.write_bytes(PDF)
    page.get_by_label("Evidence (the certificate)").set_input_files(str(scan))
    assert_fits_a_phone(page, "adding a credential")
    assert_accessible(page, "adding a credential")
    page.get_by_role("button", name="Add the credential").click()
    expect(page.locator(".messages")).to_contain_text("The credential was added.")
    expect(page.locator(".credentials")).to_contain_text("Dry needling — level 2")
