import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.django_db
class TestHeaders:
    @pytest.mark.parametrize("url", ["/healthz", "/robots.txt", "/cms/login/", "/no-such-page/"])
    def test_every_response_carries_the_security_headers(self, client, url):
        response = client.get(url)
        csp = response["Content-Security-Policy"]
        assert "default-src 'self'" in csp
        assert "unsafe-inline" not in csp
        assert "unsafe-eval" not in csp
        assert "http:" not in csp
        assert "https:" not in csp
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Referrer-Policy"] == "strict-origin-when-cross-origin"
        assert "camera=()" in response["Permissions-Policy"]


def settings_under(env: dict[str, str]) -> str:
    code = (
        "from django.conf import settings as s;"
        "print(s.SECURE_HSTS_SECONDS, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.DEBUG)"
    )
    result = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "fascia.settings", **env},
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.strip()


def test_https_turns_on_hsts_and_secure_cookies():
    assert settings_under({"FASCIA_BASE_URL": "https://clinic.example.in"}) == (
        "31536000 True True False"
    )


def test_plain_http_keeps_hsts_off_and_debug_is_off_by_default():
    env = {"FASCIA_BASE_URL": "http://127.0.0.1:8000"}
    assert settings_under(env) == "0 False False False"
