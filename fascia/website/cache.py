"""Full-page cache for anonymous visitors, emptied whenever an editor publishes.

The cache stores only what is told to: a response is stored only when it opted in
(`fascia.cacheable`): Wagtail pages through their serve path (wagtail_hooks.py) and the
few public views decorated with `cacheable_page`. Nothing else is ever stored, so a new
view, a private link or a page about a person is uncached unless someone decides otherwise.

Anonymous GET and HEAD requests for those pages are answered from the `pages` cache
(Redis when configured, files under var/cache/ otherwise). Every key carries a generation number;
publishing, unpublishing, moving or deleting a page, or saving a snippet, the clinic
settings or a clinic record (its details or opening hours), increments the generation,
so every cached page is out of date at once and is rendered afresh on its next request.
Each worker process then answers repeat visits to a cached page in front of Django
(served_pages.py). Browsers are told to revalidate on every visit
(`max-age=0` with an ETag), so what an editor publishes is what the next visitor sees.

Even a response that opted in is never stored when it sets cookies or used a CSRF token,
is not 200, says `private` or `no-store`, or answers a signed-in user, and nothing under the
staff prefixes or the private-link prefixes (links that name one person) is ever stored.
"""

import hashlib
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.cache import BaseCache, caches
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.utils.cache import get_conditional_response, patch_cache_control, set_response_etag

from fascia import cacheable
from fascia.middleware import STAFF_PREFIXES

GENERATION_KEY = "generation"
# The page as cached (form-token placeholders left in), handed to served_pages.ServedPages
# through the WSGI environ, which is `request.META`.
CACHED_CONTENT = "fascia.page_cache.content"
# A person's own links: a self-screening, a patient's page, a follow-up. Never stored, even
# if a view there opted in by mistake.
PRIVATE_LINK_PREFIXES = ("/check/", "/p/", "/f/")
UNCACHED_PREFIXES = (
    *STAFF_PREFIXES,
    *PRIVATE_LINK_PREFIXES,
    "/healthz",
    "/static/",
    "/media/",
    "/documents/",
)


def _cache() -> BaseCache:
    return caches["pages"]


def generation() -> int:
    value = _cache().get(GENERATION_KEY)
    if value is None:
        _cache().add(GENERATION_KEY, 1, timeout=None)
        value = _cache().get(GENERATION_KEY, 1)
    return int(value)


def invalidate(**_signal_kwargs: Any) -> None:
    """Mark every cached page out of date."""
    try:
        _cache().incr(GENERATION_KEY)
    except ValueError:
        _cache().add(GENERATION_KEY, 2, timeout=None)


def invalidate_now_and_on_commit(**_signal_kwargs: Any) -> None:
    """Mark every cached page out of date now and again when the change is committed, so
    that a page another request rendered from the uncommitted data meanwhile is not kept."""
    invalidate()
    transaction.on_commit(invalidate)


def _key(request: HttpRequest) -> str:
    digest = hashlib.sha256(request.build_absolute_uri().encode()).hexdigest()
    return f"page:{generation()}:{digest}"


def _cacheable_request(request: HttpRequest) -> bool:
    return (
        request.method in ("GET", "HEAD")
        and not request.path.startswith(UNCACHED_PREFIXES)
        and not request.user.is_authenticated
        and "sessionid" not in request.COOKIES
    )


def _cacheable_response(request: HttpRequest, response: HttpResponseBase) -> bool:
    cache_control = response.get("Cache-Control", "")
    return (
        request.method == "GET"
        and cacheable.is_marked(response)
        and response.status_code == 200
        # A page that used a CSRF token needs its cookie set with it: never shared.
        and not request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
        and not response.streaming
        and not response.cookies
        and "private" not in cache_control
        and "no-store" not in cache_control
        and "Vary" not in response
    )


def _revalidate_every_time(response: HttpResponseBase) -> None:
    patch_cache_control(response, public=True, max_age=0, must_revalidate=True)


def page_cache(
    get_response: Callable[[HttpRequest], HttpResponseBase],
) -> Callable[[HttpRequest], HttpResponseBase]:
    def middleware(request: HttpRequest) -> HttpResponseBase:
        if not _cacheable_request(request):
            return get_response(request)
        key = _key(request)
        stored = _cache().get(key)
        if stored is not None:
            content, headers = stored
            response = HttpResponse(content)
            for name, value in headers.items():
                response[name] = value
            response["X-Page-Cache"] = "hit"
            request.META[CACHED_CONTENT] = content
            return get_conditional_response(request, etag=response.get("ETag"), response=response)
        response = get_response(request)
        if _cacheable_response(request, response):
            _revalidate_every_time(response)
            set_response_etag(response)
            headers = {
                name: value
                for name, value in response.headers.items()
                if name.lower() not in ("set-cookie", "x-page-cache")
            }
            _cache().set(key, (response.content, headers), settings.FASCIA_PAGE_CACHE_SECONDS)
            response["X-Page-Cache"] = "miss"
            request.META[CACHED_CONTENT] = response.content
            return get_conditional_response(request, etag=response["ETag"], response=response)
        return response

    return middleware


def connect_invalidation() -> None:
    from django.db.models.signals import post_delete, post_save
    from wagtail.signals import page_published, page_slug_changed, page_unpublished, post_page_move

    from .models import ClinicSettings, ConditionRelation, Symptom

    for signal in (page_published, page_unpublished, page_slug_changed, post_page_move):
        signal.connect(invalidate, dispatch_uid=f"page-cache-{signal!r}")
    for model in (Symptom, ClinicSettings, ConditionRelation):
        post_save.connect(
            invalidate, sender=model, dispatch_uid=f"page-cache-save-{model.__name__}"
        )
        post_delete.connect(
            invalidate, sender=model, dispatch_uid=f"page-cache-delete-{model.__name__}"
        )
    post_delete.connect(
        invalidate, sender="wagtailcore.Page", dispatch_uid="page-cache-page-delete"
    )
    # A page made private (or public again) must not be answered from the cache.
    for signal in (post_save, post_delete):
        signal.connect(
            invalidate,
            sender="wagtailcore.PageViewRestriction",
            dispatch_uid=f"page-cache-restriction-{signal!r}",
        )
    # Clinic pages, the footer and the enquiry form's choices show the clinic records
    # (`fascia.clinics`, a lower layer that knows nothing of this cache): an address, a
    # number, opening hours or a deactivated clinic is seen on the next request.
    for label in ("clinics.Clinic", "clinics.OpeningHours"):
        for signal in (post_save, post_delete):
            signal.connect(
                invalidate_now_and_on_commit,
                sender=label,
                dispatch_uid=f"page-cache-{label}-{signal!r}",
            )
