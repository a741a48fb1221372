"""Every server process sees the same cache: page-cache invalidation and rate limits rely on it."""

import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.core.cache import caches

from fascia.website import cache as page_cache


def in_another_process(code: str) -> None:
    env = {**os.environ, "FASCIA_VAR_DIR": str(settings.VAR_DIR)}
    subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=settings.BASE_DIR,
        env=env,
        check=True,
        capture_output=True,
    )


@pytest.mark.slow
def test_a_value_written_by_another_process_is_read_here():
    in_another_process(
        "from django.core.cache import cache; cache.set('shared-probe', 'written elsewhere', 60)"
    )
    assert caches["default"].get("shared-probe") == "written elsewhere"


@pytest.mark.slow
def test_a_publication_handled_by_another_process_empties_this_ones_page_cache():
    before = page_cache.generation()
    in_another_process("from fascia.website.cache import invalidate; invalidate()")
    assert page_cache.generation() == before + 1
