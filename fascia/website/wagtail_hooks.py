from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponseBase
from django.templatetags.static import static
from django.utils.html import format_html_join
from wagtail import hooks
from wagtail.models import Page

from fascia import cacheable

from .models.pages import SitePage

ADMIN_SCRIPTS = (
    "cms/csp-init.js",  # starts widgets without inline scripts (see fascia/website/cms_csp.py)
    "cms/accessibility.js",  # repairs to the page editor that axe-core asks for
)


@hooks.register("insert_global_admin_js")
def admin_scripts():
    return format_html_join("", '<script src="{}"></script>', ((static(s),) for s in ADMIN_SCRIPTS))


ServePage = Callable[[Page, HttpRequest, tuple[Any, ...], dict[str, Any]], HttpResponseBase]


@hooks.register("on_serve_page")
def public_pages_opt_in_to_the_page_cache(serve: ServePage) -> ServePage:
    """The public site's pages are the same for every anonymous visitor: they may be cached.

    Wagtail runs this only for a page its `before_serve_page` hooks let through, so a page
    behind a password or a sign-in is never marked; any other page type is not either.
    """

    def serve_cacheable(
        page: Page, request: HttpRequest, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> HttpResponseBase:
        response = serve(page, request, args, kwargs)
        return cacheable.mark(response) if isinstance(page, SitePage) else response

    return serve_cacheable
