"""Staff sign-in at /app/login/ and sign-out at /app/logout/."""

import pytest
from bs4 import BeautifulSoup
from django.contrib.auth import SESSION_KEY

from fascia.tests.personas import PERSONA_PASSWORD

LOGIN_URL = "/app/login/"
LOGOUT_URL = "/app/logout/"
START_URL = "/app/"
INBOX_URL = "/app/enquiries/"


def sign_in(client, next_url=None, password=PERSONA_PASSWORD):
    data = {"username": "priya", "password": password}
    url = f"{LOGIN_URL}?next={next_url}" if next_url else LOGIN_URL
    if next_url:
        data["next"] = next_url
    return client.post(url, data)


@pytest.mark.django_db
class TestLogin:
    def test_its_form_labels_every_field(self, client):
        soup = BeautifulSoup(client.get(LOGIN_URL).content, "html.parser")
        for name in ("username", "password"):
            field = soup.select_one(f"input[name={name}]")
            assert soup.select_one(f"label[for={field['id']}]")

    def test_it_signs_a_staff_member_in_and_opens_their_start_page(self, client, priya):
        response = sign_in(client)
        assert response.status_code == 302
        assert response["Location"] == START_URL
        assert client.session[SESSION_KEY] == str(priya.pk)
        assert client.get(INBOX_URL).status_code == 200

    def test_it_returns_to_the_page_that_asked_for_a_login(self, client, priya):
        response = sign_in(client, next_url="/app/enquiries/?status=new")
        assert response["Location"] == "/app/enquiries/?status=new"

    def test_it_never_sends_anyone_to_another_site(self, client, priya):
        response = sign_in(client, next_url="https://evil.example/")
        assert response["Location"] == START_URL

    def test_it_refuses_a_wrong_password(self, client, priya):
        response = sign_in(client, password="not the password")
        assert response.status_code == 200
        assert SESSION_KEY not in client.session
        soup = BeautifulSoup(response.content, "html.parser")
        assert "correct username and password" in soup.select_one("[role=alert]").get_text()

    def test_it_sends_a_signed_in_user_straight_on(self, client, priya):
        client.force_login(priya)
        response = client.get(LOGIN_URL)
        assert response.status_code == 302
        assert response["Location"] == START_URL


@pytest.mark.django_db
class TestLogout:
    def test_the_staff_header_has_a_sign_out_button(self, client, priya):
        client.force_login(priya)
        soup = BeautifulSoup(client.get(INBOX_URL).content, "html.parser")
        form = soup.select_one("header form[method=post]")
        assert form["action"] == LOGOUT_URL
        assert form.select_one("button[type=submit]").get_text(strip=True) == "Sign out"

    def test_it_signs_out_on_a_post(self, client, priya):
        client.force_login(priya)
        response = client.post(LOGOUT_URL)
        assert response.status_code == 302
        assert response["Location"] == LOGIN_URL
        assert SESSION_KEY not in client.session
        assert client.get(INBOX_URL)["Location"] == f"{LOGIN_URL}?next={INBOX_URL}"

    def test_it_does_not_sign_out_on_a_get(self, client, priya):
        client.force_login(priya)
        assert client.get(LOGOUT_URL).status_code == 405
        assert client.session[SESSION_KEY] == str(priya.pk)
