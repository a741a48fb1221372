"""Settings and fixtures shared by every test."""

import json

import pytest


def pytest_configure(config):
    if not config.pluginmanager.hasplugin("django"):
        return
    from django.conf import settings
    from django.test.utils import override_settings

    override_settings(
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
        # Tests run without collectstatic: static files unhashed, from the app folders.
        STORAGES={
            **settings.STORAGES,
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        },
    ).enable()


@pytest.fixture(autouse=True)
def _empty_caches(request):
    """Each test starts with empty caches (a shared Redis would otherwise leak pages)."""
    if request.config.pluginmanager.hasplugin("django"):
        from django.conf import settings
        from django.core.cache import caches

        for alias in settings.CACHES:
            caches[alias].clear()
    yield


_migrated: dict[str, str] = {}


def serialize_database(connection) -> str:
    """The whole database as JSON, content types first: restoring the other rows looks
    them up, and would create them afresh, under other keys, if they were not there yet."""
    rows = json.loads(connection.creation.serialize_db_to_string())
    rows.sort(key=lambda row: row["model"] != "contenttypes.contenttype")
    return json.dumps(rows)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """pytest-django's test database, with a copy of what its migrations put in it.

    Transactional tests empty the database after each test, taking Wagtail's root page
    and default site with it; `migrated_database` lets a later test put them back.
    """
    from django.db import connection

    with django_db_blocker.unblock():
        _migrated["data"] = serialize_database(connection)


@pytest.fixture(scope="session")
def migrated_database(django_db_setup) -> str:
    """The test database as the migrations left it, serialized (content types first)."""
    return _migrated["data"]


@pytest.fixture(scope="session")
def database_serializer():
    return serialize_database
