"""A public page's first load stays small: at most 100 KB of compressed HTML, CSS and JS,
and no htmx until someone uses the enquiry form."""

import gzip
import re
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from django.contrib.staticfiles import finders
from wagtail.models import Page

BUDGET = 100 * 1024


def compressed_size(data: bytes) -> int:
    return len(gzip.compress(data, compresslevel=6))


@pytest.mark.django_db
class TestPageWeight:
    def test_every_live_page_fits_the_budget_with_its_assets(self, client, site):
        for page in Page.objects.live().filter(depth__gt=1):
            response = client.get(page.url, headers={"accept-encoding": "gzip"})
            assert response["Content-Encoding"] == "gzip"
            total = len(response.content)
            soup = BeautifulSoup(gzip.decompress(response.content), "html.parser")
            assets = [link["href"] for link in soup.find_all("link", rel="stylesheet")]
            assets += [script["src"] for script in soup.find_all("script", src=True)]
            for url in assets:
                path = Path(finders.find(re.sub(r"^/static/", "", url)))
                total += compressed_size(path.read_bytes())
            assert total <= BUDGET, f"{page.url}: {total} bytes"

    def test_no_page_has_a_render_blocking_script(self, client, site):
        for page in Page.objects.live().filter(depth__gt=1):
            soup = BeautifulSoup(client.get(page.url).content, "html.parser")
            blocking = [
                s
                for s in soup.head.find_all("script", src=True)
                if not (s.has_attr("defer") or s.has_attr("async") or s.get("type") == "module")
            ]
            assert not blocking, page.url

    def test_no_page_loads_htmx_before_someone_uses_the_enquiry_form(self, client, site):
        for page in Page.objects.live().filter(depth__gt=1):
            soup = BeautifulSoup(client.get(page.url).content, "html.parser")
            assert not soup.find("script", src=re.compile("htmx")), page.url
