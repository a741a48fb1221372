"""Settings and fixtures shared by every test."""

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
