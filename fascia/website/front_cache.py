"""Purging the shared cache in front of the app servers (deploy/: nginx) when content changes.

Pages show each other (menus, related pages, the footer's clinic numbers and opening
hours), so every change that marks this server's page cache out of date (`cache.py`,
`connect_invalidation`) purges every live page's address from the front cache, with the
public views outside the page tree that it may keep: the enquiry form (also as opened
from each page that offers it, `?from=<page id>`), the privacy notice, the self-check's
first page and the sitemap. The purge goes through Wagtail's frontend-cache invalidation
(`PurgeBatch` and the backends of WAGTAILFRONTENDCACHE, which settings.py sets from
FASCIA_FRONT_CACHE_URL; without it nothing is sent).

It is sent after the change is committed, once per transaction however many rows changed
(a clinic's opening hours are several), so that a request the proxy passes on between a
purge and the commit cannot put the old page back. Addresses that stop being live in the
change (a page unpublished, deleted, moved or renamed, with its subpages) are noted when
the change happens and purged with the rest.

Wagtail's own `wagtail.contrib.frontend_cache` app is not installed: its signal handlers
purge only the page published, before the transaction commits.
"""

import copy
import threading
from typing import Any

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from wagtail.contrib.frontend_cache.utils import PurgeBatch
from wagtail.models import Page, Site

from . import cache

# Public views outside the page tree whose answers shared caches may keep.
PUBLIC_VIEWS = ("enquiries:enquire", "enquiries:privacy", "self_check:start", "sitemap")


class Purge:
    """One purge of every public address, sent once, after the transaction commits."""

    def __init__(self) -> None:
        self.former_urls: set[str] = set()
        # (old address, new address) of pages moved or renamed: their subpages moved too.
        self.moves: set[tuple[str, str]] = set()
        self.sent = False

    def send(self) -> None:
        if self.sent:
            return
        self.sent = True
        batch = PurgeBatch(self.former_urls)
        pages = list(Page.objects.live().filter(depth__gt=1))
        batch.add_pages(pages)
        live_urls = set(batch.urls)
        batch.add_urls(
            old + url[len(new) :]
            for old, new in self.moves
            for url in live_urls
            if url.startswith(new)
        )
        site = Site.objects.filter(is_default_site=True).first()
        root = site.root_url if site else settings.FASCIA_BASE_URL
        form = root + reverse("enquiries:enquire")
        batch.add_urls(root + reverse(name) for name in PUBLIC_VIEWS)
        batch.add_urls(
            f"{form}?from={page.pk}"
            for page in pages
            if getattr(page.specific_class, "offers_enquiry", False)
        )
        batch.purge()


class _Pending(threading.local):
    purge: Purge | None = None


_pending = _Pending()


def purge_on_commit(instance: Any = None, **kwargs: Any) -> None:
    """A signal receiver: purge the front cache once the current transaction commits."""
    if not getattr(settings, "WAGTAILFRONTENDCACHE", None):
        return
    purge = _pending.purge
    if purge is None or purge.sent:
        purge = _pending.purge = Purge()
    if isinstance(instance, Page):
        _note_former_addresses(purge, instance, kwargs)
    # Every change in the transaction registers the same purge; the first call sends it.
    # A rolled-back transaction's purge is sent with the next one.
    transaction.on_commit(purge.send, robust=True)


def _note_former_addresses(purge: Purge, page: Page, kwargs: dict[str, Any]) -> None:
    url = page.get_full_url()
    if url:
        purge.former_urls.add(url)
    if before := kwargs.get("instance_before"):  # page_slug_changed
        former = before.get_full_url()
    elif url_path := kwargs.get("url_path_before"):  # post_page_move
        moved = copy.copy(page)
        moved.url_path = url_path
        former = moved.get_full_url()
    else:
        return
    if former and url:
        purge.moves.add((former, url))


def connect() -> None:
    """Purge on the changes that empty the page cache."""
    cache.connect_site_wide(purge_on_commit, "front-cache")
