"""Staff credentials: validity on a day, adding with evidence, checking against the evidence,
withdrawing, downloading the evidence, and the warnings on the start pages."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from fascia.accounts import audit
from fascia.clinics import events
from fascia.clinics.credentials import (
    CredentialDetails,
    CredentialError,
    credential_add,
    credential_warnings,
    dry_needling_credential,
)
from fascia.clinics.models import Credential, CredentialKind, Role
from fascia.tests.html import field_errors, messages_on, soup_of, text_of
from fascia.tests.personas import make_staff, signed_in

PDF = b"%PDF-1.7\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 32


def today() -> dt.date:
    return timezone.localdate()


def days(n: int) -> dt.date:
    return today() + dt.timedelta(days=n)


def credential(
    user, *, valid_from, valid_to, kind=CredentialKind.DRY_NEEDLING, checked_by=None, **fields
):
    """A credential `user` added themselves: checked by `checked_by`, or waiting."""
    return Credential.objects.create(
        user=user,
        kind=kind,
        title=fields.pop("title", "Dry needling — level 2"),
        issuer="Indian Association of Physiotherapists",
        valid_from=valid_from,
        valid_to=valid_to,
        recorded_by=user,
        checked_by=checked_by,
        checked_at=timezone.now() if checked_by else None,
        **fields,
    )


def form_data(**changes):
    data = {
        "kind": CredentialKind.DRY_NEEDLING,
        "title": "Dry needling — level 2",
        "issuer": "Indian Association of Physiotherapists",
        "number": "DN-2026-0042",
        "valid_from": "2026-01-10",
        "valid_to": "2031-01-09",
    }
    data.update(changes)
    return {name: value for name, value in data.items() if value is not None}


def withdraw_url(held) -> str:
    return f"/app/staff/{held.user_id}/credentials/{held.pk}/withdraw/"


def actions_of(member) -> list[str]:
    return list(audit.events_for(member).order_by("pk").values_list("action", flat=True))


@pytest.fixture
def hyderabad_manager(hyderabad):
    """A manager of the Hyderabad clinic only."""
    return make_staff("sana", "Sana Ali", memberships={hyderabad: Role.CLINIC_MANAGER})


@pytest.mark.django_db
class TestValidityOnADay:
    def test_it_is_valid_from_its_first_day_to_its_last(self, kiran, farah):
        held = credential(
            kiran, valid_from=dt.date(2026, 3, 1), valid_to=dt.date(2026, 8, 31), checked_by=farah
        )
        assert dry_needling_credential(kiran, dt.date(2026, 2, 28)) is None
        assert dry_needling_credential(kiran, dt.date(2026, 3, 1)) == held
        assert dry_needling_credential(kiran, dt.date(2026, 8, 31)) == held
        assert dry_needling_credential(kiran, dt.date(2026, 9, 1)) is None

    def test_one_without_an_end_never_expires(self, kiran, farah):
        held = credential(kiran, valid_from=dt.date(2020, 1, 1), valid_to=None, checked_by=farah)
        assert dry_needling_credential(kiran, dt.date(2099, 12, 31)) == held

    def test_a_withdrawn_credential_counts_on_no_day(self, kiran, farah):
        credential(
            kiran,
            valid_from=dt.date(2020, 1, 1),
            valid_to=None,
            checked_by=farah,
            revoked_at=timezone.now(),
        )
        assert dry_needling_credential(kiran, dt.date(2026, 6, 1)) is None

    def test_another_kind_of_credential_does_not_let_one_needle(self, kiran, farah):
        credential(
            kiran,
            kind=CredentialKind.OTHER,
            title="Manual therapy",
            valid_from=dt.date(2020, 1, 1),
            valid_to=None,
            checked_by=farah,
        )
        assert dry_needling_credential(kiran, dt.date(2026, 6, 1)) is None

    def test_of_two_valid_ones_it_gives_the_one_valid_longest(self, kiran, farah):
        credential(
            kiran, valid_from=dt.date(2025, 1, 1), valid_to=dt.date(2027, 1, 1), checked_by=farah
        )
        longer = credential(kiran, valid_from=dt.date(2026, 1, 1), valid_to=None, checked_by=farah)
        assert dry_needling_credential(kiran, dt.date(2026, 6, 1)) == longer

    def test_one_not_checked_yet_counts_on_no_day(self, kiran):
        credential(kiran, valid_from=dt.date(2020, 1, 1), valid_to=None)
        assert dry_needling_credential(kiran, dt.date(2026, 6, 1)) is None


@pytest.mark.django_db
class TestAddingACredential:
    def test_a_manager_adds_one_with_evidence_from_the_staff_members_page(
        self, client, farah, kiran
    ):
        client = signed_in(client, farah)
        page = soup_of(client.get(f"/app/staff/{kiran.pk}/"))
        link = page.select_one(f'a[href="/app/staff/{kiran.pk}/credentials/add/"]')
        assert link is not None
        form_page = text_of(client.get(link["href"]))
        assert "you confirm you have checked it against the certificate" in form_page
        evidence = SimpleUploadedFile("certificate.pdf", PDF, content_type="application/pdf")
        response = client.post(
            f"/app/staff/{kiran.pk}/credentials/add/", form_data(evidence=evidence)
        )
        assert response.status_code == 302
        assert response["Location"] == f"/app/staff/{kiran.pk}/"
        added = Credential.objects.get(user=kiran)
        assert (added.title, added.number, added.recorded_by, added.checked_by) == (
            "Dry needling — level 2",
            "DN-2026-0042",
            farah,
            farah,
        )
        assert dry_needling_credential(kiran, dt.date(2026, 6, 1)) == added
        assert added.valid_to == dt.date(2031, 1, 9)
        assert added.evidence.name.endswith(".pdf")
        assert "certificate" not in added.evidence.name
        with added.evidence.open("rb") as stored:
            assert stored.read() == PDF
        assert actions_of(kiran)[-1] == events.CREDENTIAL_ADDED
        assert audit.events_for(kiran).get(action=events.CREDENTIAL_ADDED).detail["checked"]
        assert "Dry needling — level 2" in text_of(client.get(f"/app/staff/{kiran.pk}/"))

    def test_the_holder_adds_their_own_and_is_recorded_as_adding_it(self, client, kiran):
        client = signed_in(client, kiran)
        response = client.post("/app/credentials/add/", form_data(valid_to=""))
        assert response["Location"] == "/app/credentials/"
        added = Credential.objects.get(user=kiran)
        assert added.recorded_by == kiran
        assert added.valid_to is None
        shown = soup_of(client.get("/app/credentials/")).select_one(".credentials").get_text()
        assert "does not expire" in shown
        assert "Waiting for a manager to check it" in shown
        assert "Valid" not in shown

    @pytest.mark.parametrize(
        ("name", "content", "message"),
        [
            ("certificate.docx", b"PK\x03\x04 a word document", "Send a PDF, JPEG or PNG file"),
            ("certificate.pdf", b"MZ\x90\x00 a program", "not a real PDF file"),
            ("certificate.png", JPEG, "not a real PNG file"),
            ("certificate.html", b"<html><script>alert(1)</script>", "Send a PDF, JPEG or PNG"),
        ],
    )
    def test_a_file_that_is_not_a_pdf_jpeg_or_png_is_refused(
        self, client, kiran, name, content, message
    ):
        response = signed_in(client, kiran).post(
            "/app/credentials/add/", form_data(evidence=SimpleUploadedFile(name, content))
        )
        assert message in field_errors(response, "evidence")
        assert not Credential.objects.filter(user=kiran).exists()
        assert events.CREDENTIAL_ADDED not in actions_of(kiran)

    def test_a_jpeg_and_a_png_are_taken(self, kiran):
        for name, content in (("photo.JPG", JPEG), ("scan.png", PNG)):
            added = credential_add(
                holder=kiran,
                details=CredentialDetails(
                    kind=CredentialKind.OTHER, title=name, issuer="IAP", valid_from=today()
                ),
                evidence=SimpleUploadedFile(name, content),
                by=kiran,
            )
            assert added.evidence.name.endswith(name.rsplit(".")[-1].lower())

    def test_a_file_over_5_mb_is_refused(self, client, kiran):
        big = SimpleUploadedFile("certificate.pdf", PDF + b"0" * (5 * 1024 * 1024))
        response = signed_in(client, kiran).post("/app/credentials/add/", form_data(evidence=big))
        assert "larger than 5 MB" in field_errors(response, "evidence")
        assert not Credential.objects.exists()

    def test_missing_and_wrong_fields_are_named(self, client, kiran):
        response = signed_in(client, kiran).post(
            "/app/credentials/add/",
            form_data(
                kind=None,
                title="",
                issuer="IAP\u202e",
                valid_from="2026-05-01",
                valid_to="2026-04-30",
            ),
        )
        assert "Choose the kind of credential." in text_of(response)
        assert "Write the credential's title." in field_errors(response, "title")
        assert "changes the direction of the text" in field_errors(response, "issuer")
        assert "on or after the start date" in field_errors(response, "valid_to")
        assert not Credential.objects.exists()

    def test_a_manager_cannot_add_one_to_staff_of_another_clinic(
        self, client, hyderabad_manager, kiran
    ):
        client = signed_in(client, hyderabad_manager)
        url = f"/app/staff/{kiran.pk}/credentials/add/"
        assert client.get(url).status_code == 404
        assert client.post(url, form_data()).status_code == 404
        assert not Credential.objects.exists()

    def test_the_action_refuses_someone_who_does_not_manage_the_holder(self, arjun, kiran):
        details = CredentialDetails(
            kind=CredentialKind.DRY_NEEDLING, title="Level 1", issuer="IAP", valid_from=today()
        )
        with pytest.raises(CredentialError):
            credential_add(holder=kiran, details=details, evidence=None, by=arjun)
        assert not Credential.objects.filter(user=kiran).exists()

    def test_a_physiotherapist_cannot_add_one_to_a_colleague(self, client, arjun, kiran):
        client = signed_in(client, arjun)
        assert client.post(f"/app/staff/{kiran.pk}/credentials/add/", form_data()).status_code == (
            404
        )


@pytest.mark.django_db
class TestCheckingACredential:
    """A credential its holder adds waits until someone who manages them checks it against
    the certificate (clinic-policy); nobody checks their own."""

    @pytest.fixture
    def waiting(self, client, kiran):
        """Kiran's own dry-needling certificate with its scan, added from "My credentials"."""
        scan = SimpleUploadedFile("certificate.pdf", PDF, content_type="application/pdf")
        response = signed_in(client, kiran).post(
            "/app/credentials/add/", form_data(valid_from=str(days(-10)), evidence=scan)
        )
        assert response.status_code == 302
        client.logout()
        return Credential.objects.get(user=kiran)

    def url(self, held) -> str:
        return f"/app/staff/{held.user_id}/credentials/{held.pk}/check/"

    def to_check(self, client, user) -> str:
        page = soup_of(signed_in(client, user).get("/app/"))
        heading = page.select_one("#to-check-heading")
        return " ".join(heading.find_parent("section").get_text(" ").split()) if heading else ""

    def test_one_the_holder_adds_waits_and_does_not_count(self, client, kiran, waiting):
        assert (waiting.checked_by, waiting.checked_at) == (None, None)
        assert dry_needling_credential(kiran, today()) is None
        mine = soup_of(signed_in(client, kiran).get("/app/credentials/"))
        assert "Waiting for a manager to check it" in mine.select_one(".credentials").get_text()
        assert mine.select_one(f'form[action="{self.url(waiting)}"]') is None
        assert self.to_check(client, kiran) == ""
        added = audit.events_for(kiran).get(action=events.CREDENTIAL_ADDED)
        assert added.detail["checked"] is False

    def test_the_manager_sees_it_to_check_on_their_start_page(self, client, farah, waiting):
        shown = self.to_check(client, farah)
        assert "Credentials to check 1" in shown
        assert "Kiran Shetty · Dry needling — level 2 To check" in shown
        page = soup_of(client.get("/app/"))
        section = page.select_one("#to-check-heading").find_parent("section")
        assert section.select_one(f'a[href="/app/credentials/{waiting.pk}/evidence/"]')
        assert section.select_one(f'form[action="{self.url(waiting)}"] button').get_text(
            " ", strip=True
        ) == ("Checked against the certificate : Dry needling — level 2, Kiran Shetty")

    def test_the_manager_checks_it_from_the_staff_page_and_then_it_counts(
        self, client, farah, kiran, waiting
    ):
        client = signed_in(client, farah)
        page = soup_of(client.get(f"/app/staff/{kiran.pk}/"))
        assert "To check" in page.select_one(".credentials").get_text()
        assert page.select_one(f'a[href="/app/credentials/{waiting.pk}/evidence/"]')
        form = page.select_one(f'form[action="{self.url(waiting)}"]')
        assert "Checked against the certificate" in form.get_text()

        response = client.post(self.url(waiting), follow=True)
        assert response.redirect_chain == [(f"/app/staff/{kiran.pk}/", 302)]
        assert messages_on(response) == ["“Dry needling — level 2” is checked and now counts."]
        waiting.refresh_from_db()
        assert waiting.checked_by == farah
        assert waiting.checked_at is not None
        assert dry_needling_credential(kiran, today()) == waiting
        checked = audit.events_for(kiran).get(action=events.CREDENTIAL_CHECKED)
        assert (checked.actor_id, checked.detail["credential"]) == (farah.pk, waiting.pk)
        assert f"Checked against the certificate by Farah Khan, {today():%-d %b %Y}" in (
            text_of(response)
        )
        assert self.to_check(client, farah) == ""
        mine = text_of(signed_in(client, kiran).get("/app/credentials/"))
        assert "Waiting for a manager" not in mine
        assert "Checked against the certificate by Farah Khan" in mine

    def test_an_administrator_checks_it(self, client, asha, kiran, waiting):
        response = signed_in(client, asha).post(self.url(waiting))
        assert response["Location"] == f"/app/staff/{kiran.pk}/"
        waiting.refresh_from_db()
        assert waiting.checked_by == asha

    def test_the_holder_cannot_check_their_own(self, client, kiran, waiting):
        response = signed_in(client, kiran).post(self.url(waiting))
        assert response.status_code == 409
        assert "You cannot check your own credential" in " ".join(response.content.decode().split())
        waiting.refresh_from_db()
        assert waiting.checked_by is None
        assert dry_needling_credential(kiran, today()) is None
        assert events.CREDENTIAL_CHECKED not in actions_of(kiran)

    def test_a_manager_cannot_check_their_own_either(self, client, farah):
        client = signed_in(client, farah)
        client.post("/app/credentials/add/", form_data(valid_from=str(days(-1))))
        own = Credential.objects.get(user=farah)
        assert own.checked_by is None
        assert self.to_check(client, farah) == ""
        assert client.post(self.url(own)).status_code == 409
        own.refresh_from_db()
        assert own.checked_by is None

    def test_a_manager_of_another_clinic_or_a_colleague_gets_a_404(
        self, client, hyderabad_manager, arjun, priya, waiting
    ):
        for someone in (hyderabad_manager, arjun, priya):
            assert signed_in(client, someone).post(self.url(waiting)).status_code == 404
            assert self.to_check(client, someone) == ""
        waiting.refresh_from_db()
        assert waiting.checked_by is None
        assert events.CREDENTIAL_CHECKED not in actions_of(waiting.user)

    def test_it_is_checked_once_and_a_withdrawn_one_is_not_checked(
        self, client, farah, asha, waiting
    ):
        assert signed_in(client, farah).post(self.url(waiting)).status_code == 302
        again = signed_in(client, asha).post(self.url(waiting))
        assert again.status_code == 409
        assert "This credential was already checked." in again.content.decode()
        waiting.refresh_from_db()
        assert waiting.checked_by == farah
        withdrawn = credential(
            waiting.user, valid_from=days(-5), valid_to=None, revoked_at=timezone.now()
        )
        refused = client.post(self.url(withdrawn))
        assert refused.status_code == 409
        assert "withdrawn: there is nothing to check" in refused.content.decode()
        withdrawn.refresh_from_db()
        assert withdrawn.checked_by is None


@pytest.mark.django_db
class TestWithdrawingACredential:
    def test_a_manager_withdraws_one_and_it_stays_on_record(self, client, farah, arjun):
        held = Credential.objects.get(user=arjun)
        response = signed_in(client, farah).post(withdraw_url(held))
        assert response["Location"] == f"/app/staff/{arjun.pk}/"
        held.refresh_from_db()
        assert held.revoked_at is not None
        assert dry_needling_credential(arjun, today()) is None
        assert actions_of(arjun)[-1] == events.CREDENTIAL_WITHDRAWN
        page = client.get(f"/app/staff/{arjun.pk}/")
        assert "Withdrawn" in text_of(page)

    def test_withdrawing_twice_says_so(self, client, arjun):
        held = Credential.objects.get(user=arjun)
        client = signed_in(client, arjun)
        first = client.post(withdraw_url(held), follow=True)
        assert messages_on(first) == ["“Dry needling — level 1” is withdrawn and no longer counts."]
        response = client.post(withdraw_url(held), follow=True)
        assert messages_on(response) == ["This credential was already withdrawn."]

    def test_a_credential_named_under_another_staff_member_gets_a_404(
        self, client, farah, arjun, kiran
    ):
        held = Credential.objects.get(user=arjun)
        response = signed_in(client, farah).post(
            f"/app/staff/{kiran.pk}/credentials/{held.pk}/withdraw/"
        )
        assert response.status_code == 404
        held.refresh_from_db()
        assert held.revoked_at is None

    def test_a_colleague_or_another_clinics_manager_gets_a_404(
        self, client, kiran, hyderabad_manager, arjun
    ):
        held = Credential.objects.get(user=arjun)
        for someone in (kiran, hyderabad_manager):
            response = signed_in(client, someone).post(withdraw_url(held))
            assert response.status_code == 404
        held.refresh_from_db()
        assert held.revoked_at is None


@pytest.mark.django_db
class TestDownloadingTheEvidence:
    @pytest.fixture
    def with_evidence(self, kiran):
        return credential_add(
            holder=kiran,
            details=CredentialDetails(
                kind=CredentialKind.DRY_NEEDLING,
                title="Dry needling — level 1",
                issuer="IAP",
                valid_from=today(),
            ),
            evidence=SimpleUploadedFile("kiran certificate.pdf", PDF),
            by=kiran,
        )

    def url(self, held) -> str:
        return f"/app/credentials/{held.pk}/evidence/"

    def test_the_holder_and_their_manager_download_it_as_an_attachment(
        self, client, kiran, farah, with_evidence
    ):
        for someone in (kiran, farah):
            response = signed_in(client, someone).get(self.url(with_evidence))
            assert response.status_code == 200
            assert b"".join(response.streaming_content) == PDF
            assert response["Content-Type"] == "application/pdf"
            assert response["Content-Disposition"] == (
                f'attachment; filename="credential-{with_evidence.pk}.pdf"'
            )
            assert response["X-Content-Type-Options"] == "nosniff"
        viewed = audit.events_for(kiran).filter(action=events.CREDENTIAL_EVIDENCE_VIEWED)
        assert [event.actor_id for event in viewed.order_by("pk")] == [kiran.pk, farah.pk]

    def test_anyone_else_gets_a_404_and_nothing_is_recorded(
        self, client, arjun, priya, hyderabad_manager, vikram, with_evidence
    ):
        for someone in (arjun, priya, hyderabad_manager, vikram):
            assert signed_in(client, someone).get(self.url(with_evidence)).status_code == 404
        client.logout()
        assert client.get(self.url(with_evidence)).status_code == 302
        assert not audit.events_for(with_evidence.user).filter(
            action=events.CREDENTIAL_EVIDENCE_VIEWED
        )

    def test_a_credential_without_evidence_has_nothing_to_download(self, client, arjun):
        held = Credential.objects.get(user=arjun)
        assert signed_in(client, arjun).get(self.url(held)).status_code == 404

    def test_no_url_serves_the_stored_file(self, client, farah, with_evidence):
        client = signed_in(client, farah)
        assert client.get(f"/media/{with_evidence.evidence.name}").status_code == 404


@pytest.mark.django_db
class TestCredentialWarnings:
    def test_it_warns_of_one_ending_within_30_days_and_of_one_ended(self, kiran):
        ending = credential(kiran, valid_from=dt.date(2024, 1, 1), valid_to=days(30))
        credential(
            kiran, valid_from=dt.date(2024, 1, 1), valid_to=days(31), title="CPR", kind="other"
        )
        ended = credential(
            kiran, valid_from=dt.date(2020, 1, 1), valid_to=days(-1), title="Cupping", kind="other"
        )
        warnings = credential_warnings(holder=kiran, clinic_ids=[], today=today())
        assert [(w.credential, w.days_left, w.expired) for w in warnings] == [
            (ended, -1, True),
            (ending, 30, False),
        ]

    def test_the_warning_days_are_a_setting(self, kiran, settings):
        settings.FASCIA_CREDENTIAL_WARNING_DAYS = 60
        ending = credential(kiran, valid_from=dt.date(2024, 1, 1), valid_to=days(45))
        assert [
            w.credential for w in credential_warnings(holder=kiran, clinic_ids=[], today=today())
        ] == [ending]

    def test_a_renewal_that_carries_on_ends_the_warning(self, kiran, farah):
        credential(kiran, valid_from=dt.date(2024, 1, 1), valid_to=days(10))
        credential(kiran, valid_from=days(11), valid_to=days(1000), checked_by=farah)
        assert credential_warnings(holder=kiran, clinic_ids=[], today=today()) == []

    def test_a_renewal_not_checked_yet_does_not_end_it(self, kiran):
        ending = credential(kiran, valid_from=dt.date(2024, 1, 1), valid_to=days(10))
        credential(kiran, valid_from=days(11), valid_to=days(1000))
        warnings = credential_warnings(holder=kiran, clinic_ids=[], today=today())
        assert [w.credential for w in warnings] == [ending]

    def test_a_withdrawn_credential_is_not_warned_of(self, kiran):
        credential(
            kiran, valid_from=dt.date(2024, 1, 1), valid_to=days(3), revoked_at=timezone.now()
        )
        assert credential_warnings(holder=kiran, clinic_ids=[], today=today()) == []


@pytest.mark.django_db
class TestWarningsOnTheStartPages:
    @pytest.fixture
    def ending(self, kiran):
        return credential(kiran, valid_from=dt.date(2024, 1, 1), valid_to=days(12))

    def section(self, client, user) -> str:
        page = soup_of(signed_in(client, user).get("/app/"))
        heading = page.select_one("#credentials-heading")
        return " ".join(heading.find_parent("section").get_text(" ").split()) if heading else ""

    def test_the_start_page_leads_to_my_credentials(self, client, priya):
        page = soup_of(signed_in(client, priya).get("/app/"))
        assert page.select_one('main a[href="/app/credentials/"]').get_text() == "Your credentials"

    def test_the_holder_sees_their_own(self, client, kiran, ending):
        shown = self.section(client, kiran)
        assert "Yours · Dry needling — level 2" in shown
        assert f"Expires {ending.valid_to:%-d %b %Y}, in 12 days" in shown

    def test_the_manager_of_their_clinic_sees_it(self, client, farah, kiran, ending):
        shown = self.section(client, farah)
        assert "Kiran Shetty · Dry needling — level 2" in shown
        assert soup_of(client.get("/app/")).select_one(f'a[href="/app/staff/{kiran.pk}/"]')

    def test_one_ending_today_says_so(self, client, kiran):
        credential(kiran, valid_from=dt.date(2024, 1, 1), valid_to=today())
        assert "Expires today" in self.section(client, kiran)
        assert "Expires today" in text_of(client.get("/app/credentials/"))

    def test_an_expired_one_is_shown_as_expired(self, client, farah, kiran):
        credential(kiran, valid_from=dt.date(2024, 1, 1), valid_to=days(-3))
        shown = self.section(client, farah)
        assert f"Expired {days(-3):%-d %b %Y}" in shown
        assert "No needling can be recorded until a valid credential is added." in shown

    def test_a_manager_of_another_clinic_and_a_colleague_do_not_see_it(
        self, client, hyderabad_manager, arjun, ending
    ):
        assert self.section(client, hyderabad_manager) == ""
        assert self.section(client, arjun) == ""
