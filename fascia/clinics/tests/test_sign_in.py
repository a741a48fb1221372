"""Signing in to the staff area at /app/login/: who may, and with which name."""

import pytest
from django.contrib.auth import SESSION_KEY

from fascia.tests.personas import PERSONA_PASSWORD

LOGIN_URL = "/app/login/"


def sign_in(client, username, password=PERSONA_PASSWORD):
    return client.post(LOGIN_URL, {"username": username, "password": password})


@pytest.mark.django_db
class TestSignIn:
    @pytest.mark.parametrize(
        "name", ["priya", "PRIYA", "priya@fascia.example", "Priya@Fascia.Example"]
    )
    def test_staff_sign_in_with_username_or_email_in_any_case(self, client, priya, name):
        response = sign_in(client, name)
        assert response.status_code == 302
        assert client.session[SESSION_KEY] == str(priya.pk)

    def test_the_front_desk_lands_on_their_start_page(self, client, priya):
        response = client.get(sign_in(client, "priya")["Location"])
        assert response.status_code == 200
        assert response.resolver_match.view_name == "workspace:start"

    def test_an_outsider_cannot_sign_in_and_is_told_why(self, client, vikram):
        response = sign_in(client, "vikram")
        assert response.status_code == 200
        assert SESSION_KEY not in client.session
        assert "no role in any clinic" in response.content.decode()

    def test_a_content_editor_is_kept_out_of_the_staff_area(self, client, neha):
        response = sign_in(client, "neha")
        assert SESSION_KEY not in client.session
        assert "no role in any clinic" in response.content.decode()

    def test_a_wrong_password_says_nothing_about_the_account(self, client, priya):
        response = sign_in(client, "priya", "not the password")
        assert SESSION_KEY not in client.session
        assert "no role" not in response.content.decode()

    def test_a_deactivated_account_cannot_sign_in(self, client, priya):
        priya.is_active = False
        priya.save()
        sign_in(client, "priya")
        assert SESSION_KEY not in client.session

    def test_an_email_that_two_accounts_cannot_share_in_any_case(self, priya):
        from django.db import IntegrityError, transaction

        from fascia.accounts.models import User

        with pytest.raises(IntegrityError), transaction.atomic():
            User.objects.create_user("priya2", email="PRIYA@fascia.example")
        with pytest.raises(IntegrityError), transaction.atomic():
            User.objects.create_user("Priya")
