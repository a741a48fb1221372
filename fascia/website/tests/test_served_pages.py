"""Cached pages answered in front of Django (served_pages.py), through the WSGI interface."""

import gzip
import io
import re
from wsgiref.util import setup_testing_defaults

import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import assume, given
from hypothesis import strategies as st

from fascia import form_tokens
from fascia.website.models import TreatmentPage
from fascia.website.served_pages import Page, ServedPages

URL = "/treatments/dry-needling-for-piriformis-syndrome/"
FORM_TOKEN = re.compile(rb'name="form_token" value="([^"]+)"')


class Django:
    """Django's own WSGI handler, counting the requests that reach it."""

    def __init__(self):
        self.handler = WSGIHandler()
        self.calls = 0

    def __call__(self, environ, start_response):
        self.calls += 1
        return self.handler(environ, start_response)


class Answer:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = dict(headers)
        self.body = body

    @property
    def tokens(self):
        return FORM_TOKEN.findall(self.body)


@pytest.fixture
def wsgi(site):
    """Call the wrapped application as a WSGI server would, inside the test's transaction."""
    # As Django's test client does: the test's transaction must survive each request.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    django = Django()
    application = ServedPages(django)

    def call(path=URL, method="GET", **headers):
        environ = {"REQUEST_METHOD": method, "PATH_INFO": path, "wsgi.input": io.BytesIO()}
        environ.update({f"HTTP_{name.upper()}": value for name, value in headers.items()})
        setup_testing_defaults(environ)
        environ["SERVER_NAME"] = environ["HTTP_HOST"] = "testserver"
        started = {}

        def start_response(status, response_headers, *_exc_info):
            started.update(status=status, headers=response_headers)

        body = b"".join(application(environ, start_response))
        return Answer(started["status"], started["headers"], body)

    call.django = django
    yield call
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.mark.django_db
class TestServedPages:
    def test_a_page_django_stored_in_its_cache_is_then_answered_without_django(self, wsgi):
        rendered = wsgi()  # rendered by Django and stored by its page cache
        assert rendered.headers["X-Page-Cache"] == "miss"
        answers = [wsgi() for _ in range(3)]
        assert wsgi.django.calls == 1
        for answer in answers:
            assert answer.status == "200 OK"
            assert answer.headers["X-Page-Cache"] == "hit"
            assert FORM_TOKEN.sub(b"", answer.body) == FORM_TOKEN.sub(b"", rendered.body)
            assert int(answer.headers["Content-Length"]) == len(answer.body)

    def test_every_answer_carries_its_own_valid_form_token(self, wsgi):
        wsgi()
        seen = [token for _ in range(3) for token in wsgi().tokens]
        assert len(seen) == len(set(seen)) == 3
        assert all(form_tokens.read(token.decode()) is not None for token in seen)
        assert form_tokens.PLACEHOLDER.encode() not in wsgi().body

    def test_the_answer_has_the_same_security_and_caching_headers_as_django_gives(self, wsgi):
        django = wsgi()
        served = wsgi()
        for name in (
            "Content-Security-Policy",
            "X-Content-Type-Options",
            "Referrer-Policy",
            "Cache-Control",
            "ETag",
            "Content-Type",
        ):
            assert served.headers[name] == django.headers[name]
        assert "Accept-Encoding" in served.headers["Vary"]

    def test_a_browser_that_accepts_gzip_gets_a_valid_gzip_body(self, wsgi):
        wsgi()
        plain = wsgi()
        compressed = wsgi(accept_encoding="gzip, deflate, br")
        assert compressed.headers["Content-Encoding"] == "gzip"
        assert compressed.headers["ETag"] == f"W/{plain.headers['ETag']}"
        assert len(compressed.body) < len(plain.body) / 2
        page = gzip.decompress(compressed.body)
        assert len(FORM_TOKEN.findall(page)) == 1
        assert FORM_TOKEN.sub(b"", page) == FORM_TOKEN.sub(b"", plain.body)

    def test_a_returning_browser_with_the_etag_gets_not_modified(self, wsgi):
        wsgi()
        etag = wsgi().headers["ETag"]
        for offered in (etag, f"W/{etag}", f'"other", {etag}'):
            answer = wsgi(if_none_match=offered)
            assert answer.status == "304 Not Modified"
            assert answer.body == b""
        assert wsgi(if_none_match='"other"').status == "200 OK"

    def test_head_gets_the_headers_without_the_body(self, wsgi):
        wsgi()
        answer = wsgi(method="HEAD")
        assert answer.status == "200 OK"
        assert answer.body == b""
        assert int(answer.headers["Content-Length"]) > 10_000

    def test_a_publication_is_seen_on_the_next_request(self, wsgi):
        wsgi()
        page = TreatmentPage.objects.get()
        page.summary = "A freshly published summary."
        page.save_revision().publish()
        calls = wsgi.django.calls
        answer = wsgi()
        assert wsgi.django.calls == calls + 1
        assert b"A freshly published summary." in answer.body

    def test_signed_in_visitors_and_staff_pages_always_reach_django(self, wsgi):
        for _ in range(3):
            wsgi(cookie="sessionid=abc")
            wsgi("/app/login/")
        assert wsgi.django.calls == 6

    def test_pages_django_does_not_cache_are_never_answered_here(self, wsgi):
        for _ in range(3):
            assert wsgi("/no-such-page/").status.startswith("404")
        assert wsgi.django.calls == 3


@given(parts=st.lists(st.binary(max_size=3000), min_size=1, max_size=4))
def test_gzip_with_tokens_between_separately_deflated_parts_is_valid(parts):
    marker = form_tokens.PLACEHOLDER.encode()
    assume(not any(marker in part for part in parts))
    page = Page.prepare(1, [("Content-Type", "text/html"), ("ETag", '"x"')], marker.join(parts))
    fresh = [f"token-{index}".encode() for index in range(len(parts) - 1)]
    expected = parts[0] + b"".join(
        token + part for token, part in zip(fresh, parts[1:], strict=True)
    )
    assert page.plain_body(fresh) == expected
    assert gzip.decompress(page.gzip_body(fresh)) == expected
