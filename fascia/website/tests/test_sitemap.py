import xml.etree.ElementTree as ET

import pytest
from wagtail.models import Page

NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}


@pytest.mark.django_db
class TestSitemap:
    def test_it_lists_every_live_page_and_nothing_else(self, client, site):
        response = client.get("/sitemap.xml")
        assert response.status_code == 200
        listed = {loc.text for loc in ET.fromstring(response.content).findall("s:url/s:loc", NS)}
        live = {p.full_url for p in Page.objects.live().public().filter(depth__gt=1)}
        assert listed == live
        assert len(listed) >= 20

    def test_an_unpublished_page_drops_out(self, client, site):
        page = Page.objects.get(slug="deep-gluteal-syndrome")
        url = page.full_url
        page.unpublish()
        assert url.encode() not in client.get("/sitemap.xml").content


@pytest.mark.django_db
def test_robots_txt_points_to_the_sitemap_and_keeps_crawlers_out_of_staff_pages(client, site):
    body = client.get("/robots.txt").content.decode()
    assert "Sitemap: http://testserver/sitemap.xml" in body
    assert "Disallow: /cms/" in body
    assert "Disallow: /app/" in body


@pytest.mark.django_db
def test_every_page_has_a_canonical_url_and_open_graph_tags(client, site):
    from bs4 import BeautifulSoup

    for page in Page.objects.live().filter(depth__gt=1).specific():
        soup = BeautifulSoup(client.get(page.url).content, "html.parser")
        assert soup.find("link", rel="canonical")["href"] == page.full_url
        assert soup.find("meta", property="og:title")["content"]
        assert soup.find("meta", attrs={"name": "description"})["content"]
