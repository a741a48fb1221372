"""The Content-Security-Policy stays strict (no `unsafe-inline`, no `unsafe-eval`) on every page.

Staff and CMS pages: `test_access.py` checks the header of every 200 response it gets while
walking every URL under /app/, /cms/ and /django-admin/ as each persona. Here: every other
URL pattern of the project (a patient's private link with a real token) and every live page
of the public site.
"""

import pytest
from wagtail.models import Page

from fascia.records.models import LinkKind
from fascia.records.screening import patient_link_create
from fascia.tests.csp import strict_policy_problem
from fascia.tests.url_patterns import all_patterns

STAFF_AREAS = ("app/", "cms/", "django-admin/")
# Wagtail's page tree (walked page by page below) and uploaded files.
NOT_PAGES = ("^((?:[\\w\\-]+/)*)$", "^media/(?P<path>.*)$")


def public_url(pattern, values: dict[str, str]) -> str:
    path = "/" + pattern.route
    for name, converter in pattern.parameters.items():
        value = values.get(name, "1" if converter == "int" else "no-such-thing")
        path = path.replace(f"<{converter}:{name}>", value).replace(f"<{name}>", value)
    return path


@pytest.fixture
def link_token(full_record) -> str:
    _link, token = patient_link_create(
        episode=full_record.episode, kind=LinkKind.SCREENING, by=full_record.priya, ip=None
    )
    return token


@pytest.mark.django_db
class TestStrictPolicy:
    def test_on_every_url_outside_the_staff_areas(self, client, full_record, link_token):
        values = {"reference": full_record.enquiry.reference, "token": link_token}
        found, answered = [], 0
        for pattern in all_patterns():
            if pattern.route.startswith(STAFF_AREAS) or pattern.route in NOT_PAGES:
                continue
            url = public_url(pattern, values)
            response = client.get(url)
            answered += response.status_code == 200
            if problem := strict_policy_problem(response):
                found.append(f"{pattern.key} ({url}, {response.status_code}): {problem}")
        assert not found, "\n".join(found)
        # The form, the notice, the self-check, the private link's steps, /healthz, ...
        assert answered >= 8

    def test_on_every_live_page_of_the_site(self, client, full_record):
        pages = Page.objects.live().filter(depth__gt=1).specific()
        assert pages
        found = []
        for page in pages:
            response = client.get(page.url)
            assert response.status_code == 200, page.url
            if problem := strict_policy_problem(response):
                found.append(f"{page.url}: {problem}")
        assert not found, "\n".join(found)
