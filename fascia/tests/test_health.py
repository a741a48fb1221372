import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.django_db
def test_it_reports_the_database_and_cache_as_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "cache": "ok"}
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.parametrize(
    "database_url",
    [
        "sqlite:////nonexistent-directory/fascia.sqlite3",
        "postgres://postgres@127.0.0.1:1/fascia",
    ],
)
def test_it_answers_503_when_the_database_is_unreachable(database_url, tmp_path):
    """A server whose database cannot be reached, asked over its real request stack."""
    code = (
        "import django, json; django.setup();"
        "from django.test import Client;"
        "r = Client().get('/healthz');"
        "print(json.dumps([r.status_code, r.json()]))"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "fascia.settings",
        "DATABASE_URL": database_url,
        "FASCIA_VAR_DIR": str(tmp_path),
        "ALLOWED_HOSTS": "testserver",
        "LOG_LEVEL": "CRITICAL",
    }
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    status, body = json.loads(result.stdout.strip().splitlines()[-1])
    assert status == 503
    assert body["database"] == "unreachable"
    assert body["status"] == "error"
