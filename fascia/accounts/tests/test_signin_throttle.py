"""Wrong passwords pause signing in, per account and address, on every sign-in page."""

from contextlib import contextmanager
from datetime import timedelta
from unittest import mock

import pytest
from django.utils import timezone

from fascia.tests.personas import PERSONA_PASSWORD

SIGN_IN_PAGES = ["/app/login/", "/cms/login/", "/django-admin/login/"]
FAILURES = 5  # AXES_FAILURE_LIMIT


def sign_in(client, url, username, password, address="203.0.113.7"):
    return client.post(url, {"username": username, "password": password}, REMOTE_ADDR=address)


def fail(client, url, username, times=FAILURES, address="203.0.113.7"):
    """Sign in with a wrong password `times` times; the fifth and later are paused."""
    for attempt in range(1, times + 1):
        response = sign_in(client, url, username, "not the password", address)
        assert response.status_code == (200 if attempt < FAILURES else 429)


@contextmanager
def clock(at):
    """Django's clock, and the copies django-axes imported, stopped at `at`."""
    with (
        mock.patch("django.utils.timezone.now", return_value=at),
        mock.patch("axes.attempts.now", return_value=at),
        mock.patch("axes.handlers.proxy.now", return_value=at),
    ):
        yield


@pytest.mark.parametrize("url", SIGN_IN_PAGES)
def test_the_fifth_wrong_password_pauses_signing_in_even_with_the_right_one(client, asha, url):
    fail(client, url, "asha")
    response = sign_in(client, url, "asha", PERSONA_PASSWORD)
    assert response.status_code == 429
    assert 14 * 60 < int(response["Retry-After"]) <= 15 * 60
    assert "Signing in is paused" in response.content.decode()
    assert "15 minutes" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_four_wrong_passwords_then_the_right_one_signs_in(client, asha):
    fail(client, "/app/login/", "asha", times=FAILURES - 1)
    response = sign_in(client, "/app/login/", "asha", PERSONA_PASSWORD)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(asha.pk)


def test_the_account_is_counted_once_however_its_name_is_typed(client, asha):
    for typed in ["asha", "ASHA", "asha@fascia.example", "Asha@Fascia.Example", " asha "]:
        sign_in(client, "/app/login/", typed, "not the password")
    response = sign_in(client, "/app/login/", "asha", PERSONA_PASSWORD)
    assert response.status_code == 429


def test_a_stranger_elsewhere_cannot_lock_a_colleague_out(client, asha):
    fail(client, "/app/login/", "asha", times=30, address="198.51.100.9")
    response = sign_in(client, "/app/login/", "asha", PERSONA_PASSWORD, address="203.0.113.7")
    assert response.status_code == 302


@pytest.fixture
def superuser(asha):
    """Asha, who may also sign in to the Django admin (superusers only)."""
    asha.is_staff = asha.is_superuser = True
    asha.save()
    return asha


@pytest.mark.parametrize("url", SIGN_IN_PAGES)
def test_the_pause_ends_after_the_cool_off_however_many_tries_came_meanwhile(
    client, superuser, url
):
    start = timezone.now()
    with clock(start):
        fail(client, url, "asha")
    with clock(start + timedelta(minutes=10)):
        response = sign_in(client, url, "asha", "still not it")
        assert response.status_code == 429
        assert 4 * 60 < int(response["Retry-After"]) <= 5 * 60
        assert "paused here for 5 minutes" in response.content.decode()
    with clock(start + timedelta(minutes=16)):
        response = sign_in(client, url, "asha", PERSONA_PASSWORD)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(superuser.pk)


@pytest.mark.parametrize("url", SIGN_IN_PAGES)
def test_the_paused_page_says_until_when_in_the_clinics_time(client, asha, url):
    start = timezone.now()
    with clock(start):
        fail(client, url, "asha")
        response = sign_in(client, url, "asha", PERSONA_PASSWORD)
    until = timezone.localtime(start + timedelta(minutes=15))
    html = response.content.decode()
    assert f"You can try again after {until:%H:%M}." in html
    assert "If you have forgotten your password, ask your clinic's administrator" in html
    assert "no-store" in response["Cache-Control"]
    assert f'<a href="{url}">Back to sign-in</a>' in html
