"""Anything at all posted to the enquiry form: never a 500, never an empty error summary.

Each field gets a value a browser would send, arbitrary text (control characters, other
scripts, huge), several values at once, or nothing; the form answers with the confirmation
(303), itself with every problem named (400, 409) or the rate limit (429), and only text
the form accepts is ever stored.
"""

import re
import time
from html import unescape

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fascia.clinics.models import Clinic
from fascia.enquiries import tokens
from fascia.enquiries.models import Enquiry
from fascia.typed_text import refusal
from fascia.website.models import TreatmentPage

SUMMARY = re.compile(r'<div class="error-summary".*?</div>', re.S)
HEADING = re.compile(r"<h2.*?</h2>", re.S)
ITEM = re.compile(r"<li>(.*?)</li>", re.S)
MISSING = object()


def text_of(html: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def arbitrary() -> st.SearchStrategy:
    """Text no browser sends: any code point but surrogates (which no encoding carries),
    short or long, one value or several."""
    text = st.one_of(
        st.text(max_size=40), st.text(min_size=200, max_size=3000), st.just("9" * 20_000)
    )
    return st.one_of(text, st.lists(text, min_size=2, max_size=3))


def token_issued_a_minute_ago() -> str:
    return tokens.issue(now=time.time() - 60)


def usual_values() -> dict[str, st.SearchStrategy]:
    """For each field, what a browser sends when the person filled it in right."""
    clinic_ids = st.builds(lambda: str(Clinic.objects.filter(active=True).first().pk))
    page_ids = st.builds(lambda: str(TreatmentPage.objects.get().pk))
    return {
        "name": st.sampled_from(["Asha Rao", "ಕಾವ್ಯ ರಾವ್"]),
        "phone": st.sampled_from(["89510 47001", "98765\t43210", "+44 20 7946 0958"]),
        "email": st.sampled_from(["", "asha@example.in"]),
        "clinic": st.one_of(st.just("either"), clinic_ids),
        "preferred_time": st.sampled_from(["morning", "evening"]),
        "message": st.just("Pain in my right buttock.\r\nWorse when I sit."),
        "consent": st.just("on"),
        "form_token": st.one_of(st.builds(token_issued_a_minute_ago), st.just("")),
        "source_page": st.one_of(page_ids, st.just("")),
        "self_check": st.just(""),
        "website": st.just(""),
    }


@st.composite
def posts(draw) -> dict:
    """A form as a browser sends it, with a few of its fields replaced by anything at all
    or left out."""
    usual = usual_values()
    post = {name: draw(values) for name, values in usual.items()}
    for name in draw(st.sets(st.sampled_from(sorted(usual)), max_size=4)):
        post[name] = draw(st.one_of(arbitrary(), st.just(MISSING)))
    return {name: value for name, value in post.items() if value is not MISSING}


def check_the_answer(response, stored_before: int) -> None:
    assert response.status_code in (303, 400, 409, 429), response.status_code
    if response.status_code == 303:
        for enquiry in Enquiry.objects.all():
            for typed in (enquiry.name, enquiry.email):
                assert refusal(typed) is None, typed
            assert refusal(enquiry.message, line_breaks=True) is None, enquiry.message
        return
    assert Enquiry.objects.count() == stored_before
    summary = SUMMARY.search(response.content.decode())
    assert summary, "a refused form without an error summary"
    assert text_of(HEADING.sub("", summary.group(0))), "an error summary that says nothing"
    items = [text_of(item) for item in ITEM.findall(summary.group(0))]
    assert all(items), f"an empty line in the summary: {items}"
    form = response.context["form"]
    errors = [message for messages in form.errors.values() for message in messages]
    assert len(items) == len(errors), (items, errors)


@pytest.mark.django_db
@settings(
    max_examples=60,
    deadline=None,
    # The database transaction of the test is shared by every example, on purpose: the
    # seeded site is read, and what an example stores is counted, never assumed away.
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=posts())
def test_anything_posted_gets_an_answer_that_names_each_problem(site, data):
    stored_before = Enquiry.objects.count()
    response = Client().post("/enquire/", data)
    check_the_answer(response, stored_before)
