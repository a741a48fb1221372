"""Staff sessions: a new key at sign-in, 15 minutes idle and 12 hours at most (a controlled
clock), signing out everywhere, and sessions that end with the account or its second factor."""

from contextlib import contextmanager
from datetime import timedelta
from unittest import mock

import pytest
from django.test import Client
from django.utils import timezone

from fascia.accounts import events
from fascia.accounts.models import AuditEvent
from fascia.accounts.tests.test_two_factor import code_for
from fascia.tests.html import text_of
from fascia.tests.personas import PERSONA_PASSWORD, signed_in

INBOX = "/app/enquiries/"
LOGIN = "/app/login/"
START = timezone.now()


@contextmanager
def clock(at):
    """The clock the session rules read, stopped at `at`."""
    with mock.patch("fascia.accounts.sessions.now", return_value=at):
        yield


def signed_in_at(client, user, at):
    with clock(at):
        return signed_in(client, user)


def opens(client, at, url=INBOX) -> bool:
    """Whether `url` opens at `at` (rather than sending the person to sign in)."""
    with clock(at):
        response = client.get(url)
    assert response.status_code in (200, 302)
    return response.status_code == 200


class TestSignIn:
    def test_it_gives_the_session_a_new_key(self, client, priya):
        client.get(LOGIN)
        client.session.save()
        before = client.session.session_key
        client.post(LOGIN, {"username": "priya", "password": PERSONA_PASSWORD})
        assert client.session.session_key != before
        assert client.session["_auth_user_id"] == str(priya.pk)


class TestTimeouts:
    def test_fifteen_minutes_without_a_request_end_the_session(self, client, priya):
        signed_in_at(client, priya, START)
        assert opens(client, START + timedelta(minutes=14))
        assert opens(client, START + timedelta(minutes=28))
        with clock(START + timedelta(minutes=43)):
            response = client.get(INBOX, follow=True)
        assert response.redirect_chain[0][0] == f"{LOGIN}?next={INBOX}"
        assert "signed out after 15 minutes without activity" in text_of(response)
        assert "_auth_user_id" not in client.session

    def test_twelve_hours_end_it_however_busy_the_person_is(self, client, priya):
        signed_in_at(client, priya, START)
        for minutes in range(10, 12 * 60, 10):
            assert opens(client, START + timedelta(minutes=minutes))
        with clock(START + timedelta(hours=12)):
            response = client.get(INBOX, follow=True)
        assert "signed out after 12 hours" in text_of(response)

    def test_the_limits_are_settings(self, client, priya, settings):
        settings.FASCIA_STAFF_IDLE_MINUTES = 5
        signed_in_at(client, priya, START)
        assert not opens(client, START + timedelta(minutes=5))

    def test_a_public_page_just_forgets_the_person(self, client, priya, site):
        signed_in_at(client, priya, START)
        with clock(START + timedelta(hours=1)):
            assert client.get("/").status_code == 200
        assert "_auth_user_id" not in client.session


class TestSignOutEverywhere:
    def test_it_ends_every_session_of_the_person_and_no_one_elses(self, client, priya, kiran):
        laptop, phone, colleague = signed_in(client, priya), signed_in(Client(), priya), Client()
        signed_in(colleague, kiran)
        response = laptop.post("/app/account/sign-out-everywhere/", follow=True)
        assert "You are signed out everywhere" in text_of(response)
        assert laptop.get(INBOX).status_code == 302
        assert phone.get(INBOX).status_code == 302
        assert colleague.get(INBOX).status_code == 200
        assert AuditEvent.objects.filter(action=events.SIGNED_OUT_EVERYWHERE).count() == 1

    def test_signing_in_again_works(self, client, priya):
        signed_in(client, priya).post("/app/account/sign-out-everywhere/")
        assert signed_in(Client(), priya).get(INBOX).status_code == 200

    def test_the_account_page_offers_it(self, client, priya):
        page = text_of(signed_in(client, priya).get("/app/account/"))
        assert "Sign out everywhere" in page
        assert "15 minutes without activity" in page


class TestSessionsEndWithTheAccount:
    def test_deactivating_an_account_ends_its_sessions_for_good(self, client, asha, kiran):
        theirs = signed_in(Client(), kiran)
        signed_in(client, asha)
        client.post(f"/app/staff/{kiran.pk}/deactivate/")
        assert theirs.get(INBOX).status_code == 302
        client.post(f"/app/staff/{kiran.pk}/reactivate/")
        assert theirs.get(INBOX).status_code == 302

    @pytest.mark.parametrize("change", ["a new app", "new recovery codes"])
    def test_a_changed_second_factor_ends_the_other_sessions_and_keeps_this_one(
        self, client, kiran, change
    ):
        other = signed_in(Client(), kiran)
        signed_in(client, kiran)
        if change == "a new app":
            client.get("/app/two-factor/setup/")
            secret = client.session["fascia_totp_setup"]
            client.post("/app/two-factor/setup/", {"code": code_for(secret)})
        else:
            client.post("/app/two-factor/recovery-codes/")
        assert other.get(INBOX).status_code == 302
        assert client.get(INBOX).status_code == 200
