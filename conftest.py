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


class DatabaseSnapshots:
    """Save the whole database as JSON and put it back, for tests that must commit."""

    @staticmethod
    def serialize(connection) -> str:
        """Content types first: restoring the other rows looks them up, and would create
        them afresh, under other keys, if they were not there yet."""
        rows = json.loads(connection.creation.serialize_db_to_string())
        rows.sort(key=lambda row: row["model"] != "contenttypes.contenttype")
        return json.dumps(rows)

    @staticmethod
    def restore(connection, data: str) -> None:
        """Empty the database, load `data`, and move each id sequence past the loaded rows
        (PostgreSQL's sequences do not move when rows are loaded with their ids)."""
        from django.apps import apps
        from django.core.management import call_command
        from django.core.management.color import no_style

        call_command("flush", interactive=False, inhibit_post_migrate=True, verbosity=0)
        connection.creation.deserialize_db_from_string(data)
        with connection.cursor() as cursor:
            for statement in connection.ops.sequence_reset_sql(no_style(), apps.get_models()):
                cursor.execute(statement)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """pytest-django's test database, with a copy of what its migrations put in it.

    Transactional tests empty the database after each test, taking Wagtail's root page
    and default site with it; `migrated_database` lets a later test put them back.
    """
    from django.db import connection

    with django_db_blocker.unblock():
        _migrated["data"] = DatabaseSnapshots.serialize(connection)


@pytest.fixture(scope="session")
def migrated_database(django_db_setup) -> str:
    """The test database as the migrations left it, serialized (content types first)."""
    return _migrated["data"]


@pytest.fixture(scope="session")
def database_snapshots():
    return DatabaseSnapshots
