"""`manage.py check --deploy` passes with the settings production sets, and fails without them."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

PRODUCTION = {
    "FASCIA_BASE_URL": "https://clinic.example.in",
    "ALLOWED_HOSTS": "clinic.example.in",
    "SECRET_KEY": secrets.token_urlsafe(64),
    "DEBUG": "0",
}


def deploy_check(tmp_path: Path, **environment: str) -> subprocess.CompletedProcess:
    # Only what production sets: nothing from the test run (such as the browser tests'
    # DJANGO_ALLOW_ASYNC_UNSAFE, which the check rightly refuses).
    env = {
        "PATH": os.environ.get("PATH", ""),
        "DJANGO_SETTINGS_MODULE": "fascia.settings",
        "FASCIA_VAR_DIR": str(tmp_path),
        **environment,
    }
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.mark.slow
class TestDeployCheck:
    def test_it_passes_with_production_settings(self, tmp_path):
        result = deploy_check(tmp_path, **PRODUCTION)
        assert result.returncode == 0, result.stderr
        assert "no issues" in result.stdout

    def test_it_fails_when_the_site_is_not_served_over_https(self, tmp_path):
        result = deploy_check(
            tmp_path, **{**PRODUCTION, "FASCIA_BASE_URL": "http://clinic.example.in"}
        )
        assert result.returncode == 1
        assert "security.W012" in result.stderr  # the session cookie is not secure-only

    def test_it_fails_with_a_weak_secret_key(self, tmp_path):
        result = deploy_check(tmp_path, **{**PRODUCTION, "SECRET_KEY": "secret"})
        assert result.returncode == 1
        assert "security.W009" in result.stderr
