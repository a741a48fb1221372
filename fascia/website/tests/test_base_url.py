"""The links the site makes name the address it is served on, unless FASCIA_BASE_URL says
another."""

import runpy

import pytest
from bs4 import BeautifulSoup
from wagtail.models import Site

from fascia import settings as settings_module
from fascia.website.seed import load_site_content

TREATMENT = "/treatments/dry-needling-for-piriformis-syndrome/"


def base_url_under(monkeypatch, **env: str) -> str:
    """FASCIA_BASE_URL as the settings module reads it from this environment."""
    for name in ("FASCIA_BASE_URL", "HOST", "PORT"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(settings_module.__file__)["FASCIA_BASE_URL"]


def test_unset_it_is_where_the_server_listens(monkeypatch):
    assert base_url_under(monkeypatch, HOST="127.0.0.1", PORT="8123") == "http://127.0.0.1:8123"


def test_set_it_wins_over_the_port(monkeypatch):
    base_url = base_url_under(
        monkeypatch, PORT="8123", FASCIA_BASE_URL="https://clinic.example.in/"
    )
    assert base_url == "https://clinic.example.in"


@pytest.mark.django_db
def test_a_page_served_on_another_port_names_that_port_in_its_links(client, settings):
    # What `PORT=8123 make run` does: its `setup` step loads the content, the site included.
    settings.FASCIA_BASE_URL = "http://127.0.0.1:8123"
    load_site_content()
    site = Site.objects.get(is_default_site=True)
    assert (site.hostname, site.port) == ("127.0.0.1", 8123)
    soup = BeautifulSoup(client.get(TREATMENT).content, "html.parser")
    expected = f"http://127.0.0.1:8123{TREATMENT}"
    assert soup.find("link", rel="canonical")["href"] == expected
    assert soup.find("meta", property="og:url")["content"] == expected
