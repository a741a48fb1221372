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
A cached page is the same bytes for every anonymous visitor, and its headers say so to the
shared caches in front (a reverse proxy, a CDN): `public, s-maxage=…` with an ETag, while
browsers are told to revalidate on every visit (`max-age=0`), so what an editor publishes
is what the next visitor sees. A publication also purges the proxy (front_cache.py).
Keys name the scheme, host and path and only the query parameters pages read
(`cacheable.QUERY_PARAMETERS`).

Even a response that opted in is never stored when it sets cookies or used a CSRF token,
is not 200, says `private` or `no-store`, or answers a signed-in user, and nothing under the
staff prefixes or the private-link prefixes (links that name one person) is ever stored.
"""

import hashlib
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import BaseCache, caches
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.utils.cache import get_conditional_response, patch_cache_control, set_response_etag
from wagtail.signals import page_published, page_slug_changed, page_unpublished, post_page_move

from fascia import cacheable
from fascia.middleware import STAFF_PREFIXES

GENERATION_KEY = "generation"
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
    used = urlencode(
        sorted(
            (name, value)
            for name, value in request.GET.items()
            if name in cacheable.QUERY_PARAMETERS and value
        )
    )
    address = f"{request.scheme}://{request.get_host()}{request.path}?{used}"
    digest = hashlib.sha256(address.encode()).hexdigest()
    return f"page:{generation()}:{digest}"


def _anonymous(request: HttpRequest) -> bool:
    return not request.user.is_authenticated and "sessionid" not in request.COOKIES


def _cacheable_request(request: HttpRequest) -> bool:
    return (
        request.method in ("GET", "HEAD")
        and not request.path.startswith(UNCACHED_PREFIXES)
        and _anonymous(request)
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


def _shared(response: HttpResponseBase) -> None:
    """Shared caches may keep the page a few minutes (a publication purges them sooner);
    browsers ask again on every visit and get a 304 while it is unchanged."""
    patch_cache_control(
        response, public=True, max_age=0, s_maxage=settings.FASCIA_SHARED_CACHE_SECONDS
    )


def page_cache(
    get_response: Callable[[HttpRequest], HttpResponseBase],
) -> Callable[[HttpRequest], HttpResponseBase]:
    def middleware(request: HttpRequest) -> HttpResponseBase:
        if not _cacheable_request(request):
            response = get_response(request)
            if cacheable.is_marked(response) and not _anonymous(request):
                # A public page as a signed-in person sees it (the editor's toolbar): theirs.
                patch_cache_control(response, private=True)
            return response
        key = _key(request)
        stored = _cache().get(key)
        if stored is not None:
            content, headers = stored
            response = HttpResponse(content)
            for name, value in headers.items():
                response[name] = value
            response["X-Page-Cache"] = "hit"
            return get_conditional_response(request, etag=response.get("ETag"), response=response)
        response = get_response(request)
        if _cacheable_response(request, response):
            _shared(response)
            set_response_etag(response)
            headers = {
                name: value
                for name, value in response.headers.items()
                if name.lower() not in ("set-cookie", "x-page-cache")
            }
            _cache().set(key, (response.content, headers), settings.FASCIA_PAGE_CACHE_SECONDS)
            response["X-Page-Cache"] = "miss"
            return get_conditional_response(request, etag=response["ETag"], response=response)
        return response

    return middleware


# What every public page may show: a page published, unpublished, renamed, moved or
# deleted (menus, related pages), a snippet, the clinic settings, a page's view restriction,
# and the clinic records (`fascia.clinics`, a lower layer that knows nothing of caches:
# clinic pages, the footer's numbers and hours, the enquiry form's choices). The page
# cache and the proxy's purge (front_cache.py) both watch this one list.
PAGE_SIGNALS = (page_published, page_unpublished, page_slug_changed, post_page_move)
SITE_WIDE_MODELS = (
    "website.Symptom",
    "website.ClinicSettings",
    "website.ConditionRelation",
    "wagtailcore.PageViewRestriction",
    "clinics.Clinic",
    "clinics.OpeningHours",
)


def connect_site_wide(receiver: Callable[..., None], name: str) -> None:
    """Call `receiver` on every change that may show on any public page."""
    for signal in PAGE_SIGNALS:
        signal.connect(receiver, dispatch_uid=f"{name}-{signal!r}")
    post_delete.connect(receiver, sender="wagtailcore.Page", dispatch_uid=f"{name}-page-delete")
    for label in SITE_WIDE_MODELS:
        for signal in (post_save, post_delete):
            signal.connect(receiver, sender=label, dispatch_uid=f"{name}-{label}-{signal!r}")


def connect_invalidation() -> None:
    """Every such change marks every cached page out of date, now and again when it is
    committed, so that a page another request rendered from the old data meanwhile is not
    kept under the new generation."""
    connect_site_wide(invalidate_now_and_on_commit, "page-cache")
