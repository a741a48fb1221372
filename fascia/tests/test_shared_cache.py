"""Every server process sees the same cache: page-cache invalidation and rate limits rely on it."""

import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.core.cache import caches

from fascia.website import cache as page_cache


@pytest.fixture
def server_env(settings):
    """This process's caches as the servers configure them, and the environment that gives
    another process the same ones: files under the run's var directory, or (REDIS_URL) this
    test worker's own Redis database. The test settings' local-memory caches are not shared."""
    import fascia.settings as production

    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "fascia.settings",
        "FASCIA_VAR_DIR": str(settings.VAR_DIR),
    }
    if settings.REDIS_URL:
        env["REDIS_URL"] = settings.CACHES["default"]["LOCATION"]
    else:
        settings.CACHES = production.CACHES
    return env


@pytest.fixture
def in_another_process(server_env):
    def run(code: str) -> None:
        subprocess.run(
            [sys.executable, "manage.py", "shell", "-c", code],
            cwd=settings.BASE_DIR,
            env=server_env,
            check=True,
            capture_output=True,
        )

    return run


@pytest.mark.slow
def test_a_value_written_by_another_process_is_read_here(in_another_process):
    in_another_process(
        "from django.core.cache import cache; cache.set('shared-probe', 'written elsewhere', 60)"
    )
    assert caches["default"].get("shared-probe") == "written elsewhere"


@pytest.mark.slow
def test_a_publication_handled_by_another_process_empties_this_ones_page_cache(
    in_another_process,
):
    before = page_cache.generation()
    in_another_process("from fascia.website.cache import invalidate; invalidate()")
    assert page_cache.generation() == before + 1
