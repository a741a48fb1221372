"""How a public view asks the page cache to keep its answers.

The page cache (`fascia.website.cache`) stores only responses that opt in: Wagtail pages
(through the `on_serve_page` hook in `website/wagtail_hooks.py`) and the few public views
decorated with `cacheable_page`. An answer that opts in is shared by every anonymous
visitor, so it must be the same for all of them, byte for byte: never a private link,
never anything about a person, nothing issued per visitor. Everything else is never
stored, whatever its path.

This lives in the project package, below the apps, so that any app can opt a view in
without importing the website app.
"""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponseBase

ATTRIBUTE = "cacheable_page"
# The only query parameters a cacheable page reads (`/enquire/?from=<page id>`). Caches key
# pages on the path and these alone, so made-up query strings make no new copies; the
# proxy's cache key in deploy/ names the same list.
QUERY_PARAMETERS = ("from",)


def mark(response: HttpResponseBase) -> HttpResponseBase:
    """Say that `response` is the same for every anonymous visitor and may be stored."""
    setattr(response, ATTRIBUTE, True)
    return response


def is_marked(response: HttpResponseBase) -> bool:
    return getattr(response, ATTRIBUTE, False) is True


def cacheable_page(
    view: Callable[..., HttpResponseBase],
) -> Callable[..., HttpResponseBase]:
    """A view decorator: the view's answers may be kept by the page cache.

    Opting in only lets the cache consider the view's answers: it still refuses anything
    but a 200 answer to an anonymous GET without cookies, a CSRF token, `private` or
    `no-store`, and anything under the staff and private-link prefixes.
    """

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        response = view(request, *args, **kwargs)
        # The answer to a form sent by POST holds what the person sent: never marked.
        return mark(response) if request.method in ("GET", "HEAD") else response

    return wrapped
