"""Two factors before any clinical or staff page; enrolment; recovery codes; an administrator's
reset; wrong codes counted and audited."""

import io
import re
from binascii import unhexlify

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.test import Client
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from fascia.accounts import events
from fascia.accounts.actions import second_factor_enrol
from fascia.accounts.models import AuditEvent
from fascia.accounts.two_factor import new_secret
from fascia.tests.html import soup_of, text_of
from fascia.tests.personas import PERSONA_PASSWORD, second_factor, signed_in

LOGIN = "/app/login/"
VERIFY = "/app/two-factor/"
SETUP = "/app/two-factor/setup/"


def code_for(secret: str, drift: int = 0) -> str:
    return f"{TOTP(unhexlify(secret), drift=drift).token():06d}"


def with_password(client, username: str, password: str = PERSONA_PASSWORD, **extra):
    """The first step only: the password, as the sign-in page takes it."""
    response = client.post(LOGIN, {"username": username, "password": password}, **extra)
    assert response.status_code == 302, response.content.decode()
    return response


def enrolled(user) -> list[str]:
    """Set up an authenticator app for `user`, as the enrolment page does; its recovery codes."""
    secret = new_secret()
    return second_factor_enrol(user=user, secret=secret, code=code_for(secret))


def app_code(user, drift: int = 1) -> str:
    """A code the user's app shows (a step ahead of the one used at enrolment)."""
    return code_for(TOTPDevice.objects.get(user=user).key, drift)


@pytest.fixture
def episode_url(kavya_episode) -> str:
    return f"/app/episodes/{kavya_episode.pk}/"


class TestTheSecondFactorIsRequired:
    def test_a_password_alone_opens_no_clinical_page(self, client, arjun, episode_url):
        second_factor(arjun)
        with_password(client, "arjun")
        response = client.get(episode_url)
        assert response.status_code == 302
        assert response["Location"] == f"{VERIFY}?next={episode_url.replace('/', '%2F')}"

    def test_the_code_from_the_app_opens_the_page_asked_for(self, client, arjun, episode_url):
        enrolled(arjun)
        with_password(client, "arjun")
        response = client.post(VERIFY, {"code": app_code(arjun), "next": episode_url})
        assert response.status_code == 302
        assert response["Location"] == episode_url
        assert client.get(episode_url).status_code == 200

    @pytest.mark.parametrize("url", ["/cms/", "/django-admin/", "/app/staff/"])
    def test_it_covers_the_cms_and_the_django_admin(self, client, asha, url):
        asha.is_staff = asha.is_superuser = True
        asha.save()
        with_password(client, "asha")
        assert client.get(url)["Location"].startswith(f"{VERIFY}?next=")

    @pytest.mark.parametrize("persona", ["kiran", "farah", "asha"])
    def test_everyone_with_clinical_data_or_staff_powers_must_set_it_up(
        self, request, client, persona
    ):
        request.getfixturevalue(persona)
        with_password(client, persona)
        response = client.get(VERIFY)
        assert response["Location"] == f"{SETUP}?next=%2Fapp%2F"

    def test_the_front_desk_may_go_without(self, client, priya):
        with_password(client, "priya")
        assert client.get("/app/enquiries/").status_code == 200

    def test_the_front_desk_who_set_it_up_is_asked_for_it(self, client, priya):
        enrolled(priya)
        with_password(client, "priya")
        assert client.get("/app/enquiries/")["Location"].startswith(VERIFY)

    def test_a_wrong_code_is_refused_counted_and_audited(self, client, arjun, episode_url):
        enrolled(arjun)
        with_password(client, "arjun", REMOTE_ADDR="203.0.113.7")
        response = client.post(VERIFY, {"code": "000000"}, REMOTE_ADDR="203.0.113.7")
        assert response.status_code == 200
        assert "That code is not right" in text_of(response)
        assert client.get(episode_url).status_code == 302
        event = AuditEvent.objects.get(action=events.SECOND_FACTOR_FAILED)
        assert (event.target_id, event.ip) == (str(arjun.pk), "203.0.113.7")

    def test_five_wrong_codes_pause_signing_in_from_that_address(self, client, arjun):
        enrolled(arjun)
        with_password(client, "arjun")
        for attempt in range(1, 6):
            # The device's own pause (1, 2, 4… seconds) is over: only the address counts.
            TOTPDevice.objects.filter(user=arjun).update(throttling_failure_count=0)
            response = client.post(VERIFY, {"code": f"00000{attempt}"})
            assert response.status_code == (200 if attempt < 5 else 429)
        assert client.post(VERIFY, {"code": app_code(arjun)}).status_code == 429

    def test_a_device_pauses_after_wrong_codes_whatever_the_password_says(self, client, arjun):
        enrolled(arjun)
        with_password(client, "arjun")
        client.post(VERIFY, {"code": "000000"})
        response = client.post(VERIFY, {"code": app_code(arjun)})
        assert "Too many wrong codes in a row. Wait 1 second" in text_of(response)


class TestEnrolment:
    def test_the_page_shows_a_qr_code_made_here_and_the_key_to_type(self, client, kiran):
        with_password(client, "kiran")
        soup = soup_of(client.get(SETUP))
        svg = soup.select_one(".qr-code-frame svg[role=img]")
        assert svg.title.get_text() == "QR code for your authenticator app"
        assert not soup.select("img[src^=http]")
        assert re.fullmatch(r"([A-Z2-7]{4} ){7}[A-Z2-7]{4}", soup.select_one("#secret").get_text())

    def test_a_code_from_the_app_confirms_it_and_shows_ten_recovery_codes_once(self, client, kiran):
        with_password(client, "kiran")
        client.get(SETUP)
        secret = client.session["fascia_totp_setup"]
        response = client.post(SETUP, {"code": code_for(secret), "next": "/app/"})
        codes = [code.get_text() for code in soup_of(response).select(".recovery-codes code")]
        assert len(set(codes)) == 10
        assert TOTPDevice.objects.get(user=kiran, confirmed=True).key == secret
        assert StaticDevice.objects.get(user=kiran).token_set.count() == 10
        assert client.get("/app/").status_code == 200  # signed in with both factors
        assert AuditEvent.objects.filter(action=events.SECOND_FACTOR_ENROLLED).count() == 1

    def test_a_wrong_code_sets_nothing_up(self, client, kiran):
        with_password(client, "kiran")
        client.get(SETUP)
        response = client.post(SETUP, {"code": "123456"})
        assert "That code does not match" in text_of(response)
        assert not TOTPDevice.objects.filter(user=kiran).exists()

    def test_a_password_alone_cannot_replace_an_app(self, client, arjun):
        enrolled(arjun)
        with_password(client, "arjun")
        assert client.get(SETUP)["Location"].startswith(VERIFY)
        assert client.post(SETUP, {"code": "123456"})["Location"].startswith(VERIFY)


class TestRecoveryCodes:
    def test_each_works_once(self, client, arjun):
        code = enrolled(arjun)[0]
        with_password(client, "arjun")
        assert client.post(VERIFY, {"code": code.upper()})["Location"] == "/app/"
        client.post("/app/logout/")
        with_password(client, "arjun")
        assert client.post(VERIFY, {"code": code}).status_code == 200
        assert AuditEvent.objects.get(action=events.RECOVERY_CODE_USED).detail == {"left": 9}

    def test_new_codes_replace_the_old_ones(self, client, arjun):
        old = enrolled(arjun)
        client = signed_in(client, arjun)
        response = client.post("/app/two-factor/recovery-codes/")
        new = [code.get_text() for code in soup_of(response).select(".recovery-codes code")]
        assert len(new) == 10
        assert not set(new) & set(old)
        client.post("/app/logout/")
        with_password(client, "arjun")
        assert client.post(VERIFY, {"code": old[1]}).status_code == 200
        # The codes' own pause after a wrong one (a second) is over.
        StaticDevice.objects.filter(user=arjun).update(throttling_failure_count=0)
        assert client.post(VERIFY, {"code": new[1]}).status_code == 302


class TestAnAdministratorResetsAColleaguesSecondFactor:
    def test_it_removes_the_devices_ends_their_sessions_and_is_audited(
        self, client, asha, arjun, episode_url
    ):
        enrolled(arjun)
        colleague = signed_in(Client(), arjun)
        assert colleague.get(episode_url).status_code == 200
        signed_in(client, asha)
        response = client.post(f"/app/staff/{arjun.pk}/second-factor/reset/", follow=True)
        assert "second factor is reset" in text_of(response)
        assert not TOTPDevice.objects.filter(user=arjun).exists()
        assert not StaticDevice.objects.filter(user=arjun).exists()
        assert colleague.get(episode_url)["Location"].startswith(LOGIN)
        event = AuditEvent.objects.get(action=events.SECOND_FACTOR_RESET)
        assert (event.actor, event.target_id) == (asha, str(arjun.pk))
        with_password(colleague, "arjun")
        assert colleague.get(VERIFY)["Location"].startswith(SETUP)

    def test_a_clinic_manager_cannot(self, client, farah, arjun):
        enrolled(arjun)
        signed_in(client, farah)
        page = client.get(f"/app/staff/{arjun.pk}/")
        assert "Reset" not in text_of(page)
        response = client.post(f"/app/staff/{arjun.pk}/second-factor/reset/", follow=True)
        assert "Only an administrator" in text_of(response)
        assert TOTPDevice.objects.filter(user=arjun).exists()

    def test_nobody_else_reaches_it(self, client, priya, arjun):
        signed_in(client, priya)
        assert client.post(f"/app/staff/{arjun.pk}/second-factor/reset/").status_code == 404


class TestAResetFromTheServersShell:
    def test_it_lets_a_lone_administrator_back_in_and_is_audited(self, client, asha):
        enrolled(asha)
        with_password(client, "asha")
        call_command("reset_second_factor", "ASHA@fascia.example", stdout=io.StringIO())
        assert not TOTPDevice.objects.filter(user=asha).exists()
        assert client.get("/app/")["Location"].startswith(LOGIN)
        event = AuditEvent.objects.get(action=events.SECOND_FACTOR_RESET)
        assert (event.actor, event.target_id, event.detail) == (
            None,
            str(asha.pk),
            {"via": "manage.py"},
        )
        with_password(client, "asha")
        assert client.get(VERIFY)["Location"].startswith(SETUP)

    def test_an_unknown_account_is_named_and_nothing_changes(self, asha):
        enrolled(asha)
        with pytest.raises(CommandError, match="'nobody'"):
            call_command("reset_second_factor", "nobody")
        assert TOTPDevice.objects.filter(user=asha).exists()


class TestAPasswordResetKeepsTheSecondFactor:
    def test_the_new_password_still_needs_the_code(self, client, arjun, episode_url):
        enrolled(arjun)
        assert "Forgot your password?" in text_of(client.get(LOGIN))
        client.post("/app/password-reset/", {"email": "ARJUN@fascia.example"})
        link = re.search(r"/app/password-reset/\S+/", mail.outbox[-1].body).group(0)
        form = client.get(link, follow=True)
        new = "the piriformis runs under the gluteus"
        response = client.post(
            form.redirect_chain[-1][0], {"new_password1": new, "new_password2": new}
        )
        assert response["Location"] == LOGIN
        assert client.get(episode_url)["Location"].startswith(LOGIN)
        with_password(client, "arjun", new)
        assert client.get(episode_url)["Location"].startswith(VERIFY)
        assert AuditEvent.objects.filter(action=events.RESET_LINK_USED).count() == 1

    def test_it_never_says_whether_an_address_has_an_account(self, client, arjun):
        known = client.post("/app/password-reset/", {"email": "arjun@fascia.example"})
        unknown = client.post("/app/password-reset/", {"email": "nobody@fascia.example"})
        assert known["Location"] == unknown["Location"] == "/app/password-reset/sent/"
        assert [message.to for message in mail.outbox] == [["arjun@fascia.example"]]


class TestFailedSignIns:
    def test_each_is_audited_with_the_account_and_address_never_the_password(self, client, arjun):
        client.post(
            LOGIN, {"username": "ARJUN", "password": "guess one"}, REMOTE_ADDR="198.51.100.4"
        )
        client.post(LOGIN, {"username": "nobody", "password": "guess two"})
        known, unknown = AuditEvent.objects.filter(action=events.SIGNIN_FAILED)
        assert (known.target_id, known.ip) == (str(arjun.pk), "198.51.100.4")
        assert known.detail == {"account": "arjun", "page": LOGIN}
        assert (unknown.target_id, unknown.detail["account"]) == ("", "nobody")
        assert "guess" not in str(known.detail) + str(unknown.detail)
