"""Text the enquiry form refuses, each kind with its own message, and what it accepts.

Through HTTP, as a browser sends it: the form comes back (400) saying what was wrong, in
the summary and beside the field, and nothing is stored.
"""

import re
from html import unescape
from urllib.parse import quote_plus, urlencode

import pytest

from fascia.enquiries import tokens
from fascia.enquiries.models import Enquiry
from fascia.typed_text import has_control_characters, refusal

from .test_enquire import answers

URL = "/enquire/"
SUMMARY = re.compile(r'<div class="error-summary".*?</div>', re.S)
TOKEN_INPUT = re.compile(r'name="form_token" value="([^"]+)"')


def summary(response) -> str:
    """The error summary's text, as a person reads it."""
    match = SUMMARY.search(response.content.decode())
    assert match, "no error summary"
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", match.group(0))).split())


def refused(client, data, expected: str):
    """Post `data`; the form must come back saying `expected` in its summary, with nothing
    stored."""
    response = client.post(URL, data)
    assert response.status_code == 400
    assert Enquiry.objects.count() == 0
    assert expected in summary(response)
    return response


# Each kind of refused text, as the name, the message and the email address.
KINDS = {
    "control": ("Asha\x07 Rao", "a character we cannot show (a control character)"),
    "escape": ("Asha \x1b[31mRao", "a character we cannot show (a control character)"),
    "null": ("Asha\x00Rao", "a character we cannot show (a control character)"),
    "override": ("Asha \u202eoaR", "a hidden character that changes the direction of the text"),
    "isolate": ("Asha \u2066Rao\u2069", "a hidden character that changes the direction"),
    "zero-width only": ("\u200b\u200b\u200b", "made only of characters we cannot see"),
    "fillers only": ("\u3164 \u200d\ufeff", "made only of characters we cannot see"),
    "replacement": ("Asha \ufffd Rao", "could not be read"),
}
FIELDS = {"name": "Your name", "message": "Your message", "email": "Your email address"}


@pytest.mark.django_db
class TestRefusedText:
    @pytest.mark.parametrize("kind", KINDS)
    @pytest.mark.parametrize("field", FIELDS)
    def test_each_kind_is_refused_with_its_own_message(self, client, site, field, kind):
        text, message = KINDS[kind]
        if field == "email" and "only" not in kind:
            text = f"asha@exam{text.replace(' ', '')}ple.in"
        response = refused(client, answers(**{field: text}), message)
        assert FIELDS[field].lower() in summary(response).lower()
        beside = re.search(rf'id="id_{field}-error">(.*?)</p>', response.content.decode())
        assert message in unescape(beside.group(1))

    def test_a_line_on_its_own_is_refused_in_a_name_but_kept_in_a_message(self, client, site):
        refused(client, answers(name="Asha\nRao"), "Your name has a character we cannot show")
        message = "Pain in my right buttock.\r\n\tWorse when I sit."
        assert client.post(URL, answers(message=message)).status_code == 303
        assert Enquiry.objects.get().message == message

    @pytest.mark.parametrize(
        "name",
        [
            "\u0915\u094d\u200d\u0937\u093e",  # a zero-width joiner, which Indic scripts need
            "ಕಾವ್ಯ ರಾವ್",
            "Zoë O'Brien-Nair",
            "Asha\u200bRao",  # a zero-width space inside a word is invisible, not harmful
        ],
    )
    def test_names_in_every_script_are_kept_as_typed(self, client, site, name):
        assert client.post(URL, answers(name=name)).status_code == 303
        assert Enquiry.objects.get().name == name

    def test_a_domain_with_a_direction_override_is_refused(self, client, site):
        # Django's own address check lets it through: the domain may hold any letter.
        refused(
            client,
            answers(email="asha@\u202eni.elpmaxe"),
            "Your email address has a hidden character that changes the direction",
        )


@pytest.mark.django_db
class TestBytesThatAreNotUtf8:
    """A browser sends the form's text as UTF-8, percent-encoded; bytes that are not UTF-8
    are decoded by Django as U+FFFD, so part of what was sent is lost: the form says so
    instead of storing the rest."""

    def post_bytes(self, client, **raw: bytes):
        data = {key: value for key, value in answers().items() if key not in raw}
        encoded = [f"{key}={quote_plus(value)}" for key, value in raw.items()]
        body = "&".join([urlencode(data), *encoded]).encode()
        return client.post(URL, data=body, content_type="application/x-www-form-urlencoded")

    def test_a_name_that_is_not_utf8_is_refused_and_nothing_stored(self, client, site):
        response = self.post_bytes(client, name=b"Asha \xff\xfe Rao")
        assert response.status_code == 400
        assert "Part of your name could not be read. Please type it again." in summary(response)
        assert Enquiry.objects.count() == 0

    def test_a_message_in_another_encoding_is_refused(self, client, site):
        response = self.post_bytes(client, message="Douleur à la fesse".encode("latin-1"))
        assert response.status_code == 400
        assert "Part of your message could not be read." in summary(response)
        assert Enquiry.objects.count() == 0

    def test_the_same_text_in_utf8_is_stored(self, client, site):
        response = self.post_bytes(client, message="Douleur à la fesse".encode())
        assert response.status_code == 303
        assert Enquiry.objects.get().message == "Douleur à la fesse"


@pytest.mark.django_db
class TestPhoneNumbers:
    @pytest.mark.parametrize("typed", ["98765\t43210", "98765 43210", " 98765\u00a043210\t"])
    def test_spaces_and_tabs_inside_a_number_are_ignored(self, client, site, typed):
        assert client.post(URL, answers(phone=typed)).status_code == 303
        assert Enquiry.objects.get().phone.as_e164 == "+919876543210"

    def test_a_control_character_in_a_number_is_refused(self, client, site):
        refused(client, answers(phone="98765\x0043210"), "A phone number can only have digits")


@pytest.mark.django_db
class TestValuesNobodyTypes:
    """The hidden fields and the choices: a value we never offered is refused in words."""

    def test_an_unknown_clinic_is_refused_with_a_choice_to_make(self, client, site):
        refused(client, answers(clinic="99999"), "The clinic you chose is not one we can offer")

    def test_an_unknown_time_is_refused_with_a_choice_to_make(self, client, site):
        refused(client, answers(preferred_time="midnight"), "Choose one of the times listed")

    def test_a_damaged_form_token_is_said_and_replaced(self, client, site):
        response = client.post(URL, answers(form_token="x" * 401))
        assert response.status_code == 400
        assert "Part of this form could not be read" in summary(response)
        fresh = TOKEN_INPUT.search(response.content.decode()).group(1)
        assert tokens.read(fresh)
        assert client.post(URL, answers(form_token=fresh)).status_code == 303

    def test_a_source_page_that_is_no_number_is_said_and_dropped(self, client, site):
        response = client.post(URL, answers(source_page="home"))
        assert response.status_code == 400
        assert "We could not tell which page of our website" in summary(response)
        assert 'name="source_page"' not in response.content.decode()
        assert client.post(URL, answers()).status_code == 303

    def test_a_self_check_too_long_to_be_ours_is_said(self, client, site):
        refused(
            client,
            answers(self_check="x" * 20001),
            "We could not read the answers from your self-check",
        )

    @pytest.mark.parametrize("honeypot", ["x" * 5000, "bot\x00"])
    def test_anything_in_the_honeypot_is_kept_as_spam_never_refused(self, client, site, honeypot):
        response = client.post(URL, answers(website=honeypot))
        assert response.status_code == 303
        assert Enquiry.objects.get().spam_reason == "honeypot"


class TestTheRule:
    """One rule for every form (`fascia.typed_text`): the staff forms refuse the same."""

    @pytest.mark.parametrize(
        ("text", "kind"),
        [
            ("a\ufffdb", "unreadable"),
            ("a\u202eb", "direction_controls"),
            ("a\x07b", "control_characters"),
            ("\u200b\ufe0f", "invisible"),
            ("   ", None),
            ("", None),
            ("Asha\u200dRao", None),
        ],
    )
    def test_each_kind_is_told_apart(self, text, kind):
        assert refusal(text) == kind

    def test_a_replacement_character_is_refused_everywhere(self):
        assert has_control_characters("a\ufffdb")
        assert has_control_characters("a\ufffdb", line_breaks=True)


@pytest.mark.django_db
def test_a_post_too_large_to_read_gets_a_page_that_says_so(client, site, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 50
    fields = "&".join(f"f{number}=x" for number in range(60))
    response = client.post(
        "/enquire/", data=fields, content_type="application/x-www-form-urlencoded"
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert "We could not read what was sent" in html
    assert "nothing was saved" in html
    assert Enquiry.objects.count() == 0
