"""A patient's data rights in a real browser on a 360 px phone: consent to be contacted given
at registration and withdrawn with one button, a corrected detail, a request, a correction
attached to an assessment, a copy of everything, and erasure. axe-core on every page."""

import re

from playwright.sync_api import expect

from fascia.records.models import Assessment, ContactConsent, DataRequest, Patient
from fascia.records.tests.factories import make_episode, make_patient


def checked(page, assert_accessible, assert_fits_a_phone, what: str) -> None:
    assert_accessible(page, what)
    assert_fits_a_phone(page, what)


def test_the_front_desk_registers_corrects_withdraws_and_erases(
    mobile_page, assert_accessible, assert_fits_a_phone, sign_in, bangalore, priya
):
    page = mobile_page
    sign_in(page, "priya")
    page.goto("/app/patients/new/")
    page.get_by_label("Full name").fill("Kavya Rao")
    page.locator("#id_date_of_birth").fill("1991-04-23")
    page.locator("input[name='sex'][value='female']").check()
    page.get_by_label("Mobile number").fill("98450 12345")
    page.get_by_text(re.compile("The privacy notice for patients")).click()
    expect(page.get_by_text("You may withdraw your agreement")).to_be_visible()
    page.get_by_label(re.compile("agrees to be contacted by the clinic")).check()
    checked(
        page,
        assert_accessible,
        assert_fits_a_phone,
        "registering a patient, with the consent to be contacted",
    )
    page.get_by_role("button", name="Register the patient").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Kavya Rao")
    expect(page.locator("main")).to_contain_text("Given on")
    checked(
        page,
        assert_accessible,
        assert_fits_a_phone,
        "the patient page with the consent to be contacted",
    )
    patient = Patient.objects.get(full_name="Kavya Rao")

    page.get_by_role("link", name="Change the details").click()
    page.get_by_label("City (optional)").fill("Mysore")
    page.get_by_role("button", name="Save the details").click()
    expect(page.locator(".error-summary")).to_contain_text("Say why the details are changed")
    checked(page, assert_accessible, assert_fits_a_phone, "changing details without a reason")
    page.get_by_label("Why the details are changed").fill("She moved to Mysore.")
    page.get_by_role("button", name="Save the details").click()
    expect(page.locator("main")).to_contain_text("She moved to Mysore.")
    checked(page, assert_accessible, assert_fits_a_phone, "the patient page with a correction")

    page.get_by_role("button", name="Withdraw consent to be contacted").click()
    expect(page.locator("main")).to_contain_text("Not given: nothing is sent to the patient")
    assert not ContactConsent.objects.get(patient=patient).is_active

    page.get_by_role("link", name=re.compile("Consent, requests about their data")).click()
    checked(page, assert_accessible, assert_fits_a_phone, "the patient's data page")
    page.get_by_label("Grievance").check()
    page.get_by_label("Details", exact=True).fill("Was called after saying no.")
    page.get_by_role("button", name="Record the request").click()
    expect(page.locator("main")).to_contain_text("Grievance · Open")
    assert DataRequest.objects.filter(patient=patient, kind="grievance").exists()

    page.get_by_label("The patient asked for their personal details to be erased").check()
    page.get_by_role("button", name="Erase the patient's details").click()
    expect(page.locator(".messages")).to_contain_text("The patient's personal details were erased.")
    checked(page, assert_accessible, assert_fits_a_phone, "the data page after erasure")
    assert Patient.objects.get(pk=patient.pk).full_name == "(erased)"


def test_a_physiotherapist_corrects_an_assessment_and_makes_a_copy(
    mobile_page, assert_accessible, assert_fits_a_phone, sign_in, bangalore, priya, arjun
):
    patient = make_patient(bangalore, by=priya, name="Ravi Kumar")
    episode = make_episode(bangalore, by=priya, physiotherapist=arjun, patient=patient)
    assessment = Assessment.objects.create(
        episode=episode,
        pathway_version=episode.pathway_version,
        pathway_sha256=episode.pathway_sha256,
        assessed_by=arjun,
        findings="Tender over the right piriformis.",
    )
    page = mobile_page
    sign_in(page, "arjun")
    page.goto(f"/app/episodes/{episode.pk}/assessment/{assessment.pk}/correct/")
    checked(page, assert_accessible, assert_fits_a_phone, "correcting an assessment")
    page.get_by_label("What it should say").fill("Tender over the left piriformis.")
    page.get_by_label("Why it is corrected").fill("The wrong side was written.")
    page.get_by_role("button", name="Attach the correction").click()
    expect(page.locator("main")).to_contain_text("Tender over the left piriformis.")
    expect(page.locator("main")).to_contain_text("The wrong side was written.")

    page.goto(f"/app/patients/{patient.pk}/data/")
    page.get_by_role("link", name="Make a copy").click()
    checked(page, assert_accessible, assert_fits_a_phone, "making a copy of everything")
    page.get_by_label(re.compile("PDF")).check()
    with page.expect_download() as download:
        page.get_by_role("button", name="Make the copy").click()
    assert download.value.suggested_filename.endswith(".pdf")
