"""Full-page cache for anonymous visitors, emptied whenever an editor publishes.

Anonymous GET and HEAD requests for public pages are answered from the `pages` cache
(Redis when configured, files under var/cache/ otherwise). Every key carries a generation number;
publishing, unpublishing, moving or deleting a page, or saving a snippet or the clinic
settings, increments the generation, so every cached page is out of date at once and is
rendered afresh on its next request. Each worker process then answers repeat visits to a
cached page in front of Django (served_pages.py). Browsers are told to revalidate on every visit
(`max-age=0` with an ETag), so what an editor publishes is what the next visitor sees.

Responses that set cookies or use a CSRF token, that are not 200, or that say `private`
or `no-store` are never stored, and neither is anything under the staff prefixes.
"""

import hashlib

from django.conf import settings
from django.core.cache import caches
from django.http import HttpResponse
from django.utils.cache import get_conditional_response, patch_cache_control, set_response_etag

from fascia.middleware import STAFF_PREFIXES

GENERATION_KEY = "generation"
# The page as cached (form-token placeholders left in), handed to served_pages.ServedPages
# through the WSGI environ, which is `request.META`.
CACHED_CONTENT = "fascia.page_cache.content"
UNCACHED_PREFIXES = (*STAFF_PREFIXES, "/healthz", "/static/", "/media/", "/documents/")


def _cache():
    return caches["pages"]


def generation() -> int:
    value = _cache().get(GENERATION_KEY)
    if value is None:
        _cache().add(GENERATION_KEY, 1, timeout=None)
        value = _cache().get(GENERATION_KEY, 1)
    return int(value)


def invalidate(**_signal_kwargs) -> None:
    """Mark every cached page out of date."""
    try:
        _cache().incr(GENERATION_KEY)
    except ValueError:
        _cache().add(GENERATION_KEY, 2, timeout=None)


def _key(request) -> str:
    digest = hashlib.sha256(request.build_absolute_uri().encode()).hexdigest()
    return f"page:{generation()}:{digest}"


def _cacheable_request(request) -> bool:
    return (
        request.method in ("GET", "HEAD")
        and not request.path.startswith(UNCACHED_PREFIXES)
        and not request.user.is_authenticated
        and "sessionid" not in request.COOKIES
    )


def _cacheable_response(request, response) -> bool:
    cache_control = response.get("Cache-Control", "")
    return (
        request.method == "GET"
        and response.status_code == 200
        # A page that used a CSRF token needs its cookie set with it: never shared.
        and not request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
        and not response.streaming
        and not response.cookies
        and "private" not in cache_control
        and "no-store" not in cache_control
        and "Vary" not in response
    )


def _revalidate_every_time(response) -> None:
    patch_cache_control(response, public=True, max_age=0, must_revalidate=True)


def page_cache(get_response):
    def middleware(request):
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
