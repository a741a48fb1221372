"""The page cache stores only what opted in: never a private link, never a page about a person.

The views below stand in for the private links later issues add (`/check/<token>/` for a
self-screening, `/p/<token>/` for a patient's page, `/f/<token>/` for a follow-up) and for
any page about a person. They are served through this module as the URLconf, through the
whole middleware stack; none of their answers tells a shared cache (the proxy in front) it
may keep them.
"""

import pytest
from django.core.cache import caches
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import path
from django.views.decorators.cache import cache_control

from fascia.cacheable import cacheable_page
from fascia.website import cache

PERSON = "<!doctype html><title>Asha Rao</title><p>Asha Rao, +91 89510 47001: triage amber.</p>"
PUBLIC = "<!doctype html><title>Opening hours</title><p>Monday to Saturday, 8:00 to 20:00.</p>"


def about_a_person(request, **_kwargs):
    """What a private link or a staff page answers: a plain 200 page about one person, with
    no cache header at all (the worst case: nothing in the answer says "do not store")."""
    return HttpResponse(PERSON)


@cacheable_page
def opted_in_by_mistake(request, **_kwargs):
    return HttpResponse(PERSON)


@cacheable_page
@cache_control(private=True)
def opted_in_but_private(request, **_kwargs):
    return HttpResponse(PERSON)


@cacheable_page
def public_page(request):
    return HttpResponse(PUBLIC)


def public_page_not_opted_in(request):
    return HttpResponse(PUBLIC)


urlpatterns = [
    path("check/<str:token>/", about_a_person),
    path("p/<str:token>/", about_a_person),
    path("f/<str:token>/", about_a_person),
    path("check/<str:token>/shared/", opted_in_by_mistake),
    path("p/<str:token>/shared/", opted_in_by_mistake),
    path("f/<str:token>/shared/", opted_in_by_mistake),
    path("people/<int:pk>/", about_a_person),
    path("people/<int:pk>/card/", opted_in_but_private),
    path("opening-hours/", public_page),
    path("opening-hours-plain/", public_page_not_opted_in),
]

PRIVATE_LINKS = ["/check/Zm9vYmFy/", "/p/Zm9vYmFy/", "/f/Zm9vYmFy/"]
NEVER_STORED = [
    *PRIVATE_LINKS,
    *(f"{link}shared/" for link in PRIVATE_LINKS),
    "/people/7/",
    "/people/7/card/",
    "/opening-hours-plain/",
]


def stored(path: str) -> object:
    """What the page cache holds for `path`, as a visitor's request would look it up."""
    return caches["pages"].get(cache._key(RequestFactory().get(path)))


pytestmark = pytest.mark.django_db
with_private_links = pytest.mark.urls(__name__)


@with_private_links
class TestPageCache:
    def test_the_harness_sees_a_page_that_opted_in_being_stored(self, client):
        assert client.get("/opening-hours/")["X-Page-Cache"] == "miss"
        assert client.get("/opening-hours/")["X-Page-Cache"] == "hit"
        assert stored("/opening-hours/") is not None

    @pytest.mark.parametrize("path", NEVER_STORED)
    def test_a_private_link_or_a_page_about_a_person_is_never_stored(self, client, path):
        for _ in range(3):
            response = client.get(path)
            assert response.status_code == 200
            assert "X-Page-Cache" not in response
            assert "public" not in response.get("Cache-Control", "")
        assert stored(path) is None

    @pytest.mark.parametrize("path", PRIVATE_LINKS)
    def test_a_private_link_is_never_answered_from_the_cache_even_if_an_entry_exists(
        self, client, path
    ):
        """Even a page somehow stored under a private link's address is never served."""
        caches["pages"].set(cache._key(RequestFactory().get(path)), (b"stale", {}))
        response = client.get(path)
        assert response.content.decode() == PERSON
        assert "X-Page-Cache" not in response

    def test_the_answer_to_a_form_sent_to_a_view_that_opted_in_is_not_marked(self, client):
        response = client.post("/opening-hours/")
        assert not getattr(response, "cacheable_page", False)
        assert "X-Page-Cache" not in response


def test_the_live_phone_check_which_echoes_a_number_is_never_stored(client):
    """A real public view about a person: it answers with the number being typed."""
    path = "/enquire/phone-check/?phone=89510+47001"
    for _ in range(2):
        response = client.get(path)
        assert response.status_code == 200
        assert "X-Page-Cache" not in response
    assert stored(path) is None
