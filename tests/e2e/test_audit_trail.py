"""The audit trail in a manager's hands, in a real browser: from the patient's page to who
looked at the record, filtered, on a desktop and on a 360 px phone, checked with axe-core."""

from playwright.sync_api import expect

from fascia.records.queries import view_patient


def test_a_manager_sees_who_looked_at_a_patients_record(
    desktop_page, mobile_page, assert_accessible, sign_in, farah, arjun, kavya_episode
):
    patient = kavya_episode.patient
    view_patient(arjun, patient.pk, ip="203.0.113.5")
    for page, what in ((desktop_page, "desktop"), (mobile_page, "phone")):
        sign_in(page, "farah")
        page.goto(f"/app/patients/{patient.pk}/")
        page.get_by_role("link", name="Who looked at this record").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Audit trail")
        row = page.locator("table.audit tbody tr", has_text="Arjun Rao")
        expect(row.first).to_contain_text("Opened a patient's details")
        assert_accessible(page, f"the audit trail for one patient ({what})")
        width = page.evaluate("() => document.documentElement.scrollWidth")
        assert width <= 360 or what == "desktop", f"the audit trail is {width} px wide"

        page.get_by_role("link", name="Check that no event was changed").click()
        expect(page.get_by_role("status")).to_contain_text("none was changed")
        assert_accessible(page, f"the audit trail's check ({what})")
        width = page.evaluate("() => document.documentElement.scrollWidth")
        assert width <= 360 or what == "desktop", f"the check is {width} px wide"
