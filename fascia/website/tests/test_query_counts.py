"""Listing pages cost the same number of queries with 1 item or 30 (no N+1)."""

import datetime

import pytest
from django.core.cache import caches
from django.db import connection
from django.test.utils import CaptureQueriesContext

from fascia.website.models import (
    ArticleIndexPage,
    ArticlePage,
    ConditionIndexPage,
    ConditionPage,
)


def queries_for(client, url) -> int:
    """Queries to render the page, once Wagtail's per-site lookups are warm."""
    client.get(url)
    caches["pages"].clear()
    with CaptureQueriesContext(connection) as context:
        assert client.get(url).status_code == 200
    return len(context.captured_queries)


def add_conditions(count):
    index = ConditionIndexPage.objects.get()
    for n in range(count):
        page = ConditionPage(title=f"Condition {n}", slug=f"condition-{n}", summary="A summary.")
        index.add_child(instance=page)
        page.save_revision().publish()


def add_articles(count, about):
    index = ArticleIndexPage.objects.get()
    for n in range(count):
        page = ArticlePage(
            title=f"Article {n}",
            slug=f"article-{n}",
            summary="A summary.",
            date=datetime.date(2026, 11, 1),
        )
        index.add_child(instance=page)
        page.conditions.set([about])
        page.save_revision().publish()


@pytest.mark.django_db
class TestQueryCounts:
    def test_the_conditions_index_does_not_grow_with_its_children(self, client, site):
        before = queries_for(client, "/conditions/")
        add_conditions(30)
        assert queries_for(client, "/conditions/") == before

    def test_a_condition_page_does_not_grow_with_its_related_articles(self, client, site):
        url = "/conditions/piriformis-syndrome/"
        before = queries_for(client, url)
        add_articles(30, about=ConditionPage.objects.get(slug="piriformis-syndrome"))
        assert queries_for(client, url) == before

    def test_the_treatment_page_does_not_grow_with_related_articles(self, client, site):
        url = "/treatments/dry-needling-for-piriformis-syndrome/"
        before = queries_for(client, url)
        add_articles(30, about=ConditionPage.objects.get(slug="piriformis-syndrome"))
        assert queries_for(client, url) == before
