"""The front cache (deploy/: nginx) is purged through Wagtail's frontend-cache invalidation.

A small HTTP server stands in for the proxy and records every PURGE it receives; the
changes are made in committed transactions, as the CMS makes them.
"""

import datetime
import threading
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.db import transaction

from fascia.clinics.models import Clinic, OpeningHours
from fascia.website.models import ConditionIndexPage, HomePage, TreatmentPage

TREATMENT = "/treatments/dry-needling-for-piriformis-syndrome/"
CONDITION = "/conditions/piriformis-syndrome/"


class _Recorder(BaseHTTPRequestHandler):
    def do_PURGE(self):
        self.server.purged.append(self.path)
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def purged(settings):
    """The paths PURGE was sent for, in order, by a proxy the settings point at."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    server.purged = []
    # Polled for shutdown every 20 ms (the default half-second would end each test late).
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    settings.WAGTAILFRONTENDCACHE = {
        "proxy": {
            "BACKEND": "wagtail.contrib.frontend_cache.backends.HTTPBackend",
            "LOCATION": f"http://127.0.0.1:{server.server_port}",
        }
    }
    yield server.purged
    server.shutdown()
    server.server_close()


class TestFrontCachePurge:
    def test_publishing_purges_every_public_page_once_the_change_is_committed(
        self, committed_site, purged
    ):
        page = TreatmentPage.objects.get()
        page.summary = "A freshly published summary."
        with transaction.atomic():
            page.save_revision().publish()
            assert purged == []
        assert Counter(purged)[TREATMENT] == 1
        for path in (
            "/",
            CONDITION,
            "/clinics/bangalore/",
            "/enquire/",
            f"/enquire/?from={page.pk}",
            "/enquire/privacy/",
            "/self-check/",
            "/sitemap.xml",
        ):
            assert path in purged
        assert f"/enquire/?from={HomePage.objects.get().pk}" not in purged

    def test_a_clinic_and_its_opening_hours_changed_together_purge_each_page_once(
        self, committed_site, purged
    ):
        clinic = Clinic.objects.get(slug="bangalore")
        with transaction.atomic():
            clinic.phone = "+918045678901"
            clinic.save()
            clinic.opening_hours.filter(weekday=6).delete()
            OpeningHours.objects.create(
                clinic=clinic, weekday=6, opens=datetime.time(7), closes=datetime.time(8, 30)
            )
        counts = Counter(purged)
        assert counts[TREATMENT] == 1
        assert set(counts.values()) == {1}

    def test_an_unpublished_page_is_purged_though_it_is_no_longer_live(
        self, committed_site, purged
    ):
        TreatmentPage.objects.get().unpublish()
        assert TREATMENT in purged

    def test_renaming_a_section_purges_the_former_addresses_of_its_pages(
        self, committed_site, purged
    ):
        section = ConditionIndexPage.objects.get()
        section.slug = "health-problems"
        section.save_revision().publish()
        assert "/conditions/" in purged
        assert CONDITION in purged
        assert "/health-problems/piriformis-syndrome/" in purged
