"""Settings for the test suite: `fascia.settings`, with what a test run must not share.

- A temporary var directory (`FASCIA_VAR_DIR`), made by the first process of a run and
  removed when it exits; pytest-xdist's workers inherit it. A test never writes to the
  developer's var/ (secret key, media, mail, file caches).
- Local-memory caches. With REDIS_URL (CI's scale-out run) the caches stay on Redis, as
  configured, but each xdist worker in a Redis database of its own: clearing a Redis cache
  empties its whole database, so a key prefix alone would not keep workers apart.
- The test database's name is chosen in the root conftest.py (`django_db_modify_db_settings`):
  a file in the temporary var directory (SQLite) or `test_<name>_gw<N>` (PostgreSQL). The
  database `manage.py migrate` made, which each worker's copies, is kept between runs
  under the developer's var/test-databases/ (`FASCIA_TEST_DATABASES_DIR`).
- On PostgreSQL a commit does not wait for the write-ahead log to reach the disk
  (`synchronous_commit=off`): a test database is never recovered after a crash.

Tests that must see production settings (a subprocess running manage.py as `make run`
does) set DJANGO_SETTINGS_MODULE=fascia.settings for it.
"""

import atexit
import os
import shutil
import tempfile
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

if "FASCIA_TEST_VAR_DIR" not in os.environ:
    # The first process of the run (pytest itself, or the xdist controller).
    _developer_var = Path(
        os.environ.get("FASCIA_VAR_DIR", Path(__file__).resolve().parent.parent / "var")
    )
    os.environ.setdefault("FASCIA_TEST_DATABASES_DIR", str(_developer_var / "test-databases"))
    _var_dir = tempfile.mkdtemp(prefix="fascia-tests-")
    atexit.register(shutil.rmtree, _var_dir, ignore_errors=True)
    os.environ["FASCIA_TEST_VAR_DIR"] = _var_dir
    os.environ["FASCIA_VAR_DIR"] = _var_dir
else:
    # An xdist worker inherits both; a subprocess a test starts with a var directory of its
    # own (manage.py on a fresh installation) keeps that one.
    os.environ.setdefault("FASCIA_VAR_DIR", os.environ["FASCIA_TEST_VAR_DIR"])

from fascia.settings import *  # noqa: F403
from fascia.settings import CACHES, DATABASES, REDIS_URL, STORAGES

TEST_DATABASES_DIR = Path(
    os.environ.get("FASCIA_TEST_DATABASES_DIR") or BASE_DIR / "var" / "test-databases"  # noqa: F405
)
# "gw0", "gw1"… under pytest-xdist; empty otherwise.
XDIST_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")


def _redis_url_for_worker(url: str, worker: str) -> str:
    """REDIS_URL's database, counted down by the worker's number (gw1 of …/15 uses …/14)."""
    if not worker:
        return url
    parts = urlsplit(url)
    base = int(parts.path.strip("/") or 0)
    database = (base - int(worker.removeprefix("gw"))) % 16
    return urlunsplit(parts._replace(path=f"/{database}"))


if REDIS_URL:
    CACHES = {
        alias: {
            **config,
            "LOCATION": _redis_url_for_worker(REDIS_URL, XDIST_WORKER),
        }
        for alias, config in CACHES.items()
    }
else:
    CACHES = {
        alias: {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": f"fascia-{alias}",
            "OPTIONS": {"MAX_ENTRIES": 5000},
        }
        for alias in CACHES
    }

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Tests run without collectstatic: static files unhashed, from the app folders.
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c synchronous_commit=off"
