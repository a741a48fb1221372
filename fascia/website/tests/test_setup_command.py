"""`manage.py setup` as `make run` calls it: through its command line, on a fresh database.

`make run` migrates, then runs `setup`. Migrating takes most of the time and gives the
same database every time, so each installation starts from a copy of one database that
`manage.py migrate` made (the `fresh_installation` fixture, root conftest.py).
"""

import re

import pytest

from fascia.tests.commands import manage as run_manage


def manage(var_dir, *args):
    return run_manage(
        *args,
        env={
            "FASCIA_VAR_DIR": str(var_dir),
            "DATABASE_URL": f"sqlite:///{var_dir / 'fascia.sqlite3'}",
        },
        check=True,
    )


COUNT_ROWS = (
    "from wagtail.models import Page, Revision, Site;"
    "from fascia.website.models import Symptom, ClinicSettings, ConditionRelation;"
    "from fascia.accounts.models import User;"
    "print([m.objects.count() for m in "
    "(Page, Revision, Site, Symptom, ClinicSettings, ConditionRelation, User)])"
)


@pytest.mark.slow
def test_setup_is_idempotent_and_prints_the_password_once(fresh_installation, tmp_path):
    fresh_installation(tmp_path)
    first = manage(tmp_path, "setup").stdout
    counts_after_first = manage(tmp_path, "shell", "-c", COUNT_ROWS).stdout.splitlines()[-1]
    password = re.search(r"password: (\S+)", first).group(1)
    second = manage(tmp_path, "setup").stdout
    # After the second run, in one process: the rows, and whether the password signs in
    # (through a sign-in request, as the sign-in throttling asks of every authentication).
    check = (
        f"{COUNT_ROWS};"
        "from django.contrib.auth import authenticate;"
        "from django.test import RequestFactory;"
        "request = RequestFactory().post('/app/login/');"
        f"print(authenticate(request, username='admin', password='{password}') is not None)"
    )
    counts_after_second, signs_in = manage(tmp_path, "shell", "-c", check).stdout.splitlines()[-2:]

    assert counts_after_first == counts_after_second
    pages = int(re.search(r"\[(\d+)", counts_after_first).group(1))
    assert pages >= 20
    assert len(password) >= 16
    assert password not in second
    assert "already exists" in second
    assert "created nothing" in second
    assert signs_in == "True"


@pytest.mark.slow
def test_two_installations_get_different_passwords(fresh_installation, tmp_path):
    passwords = set()
    for name in ("one", "two"):
        var_dir = fresh_installation(tmp_path / name)
        passwords.add(re.search(r"password: (\S+)", manage(var_dir, "setup").stdout).group(1))
    assert len(passwords) == 2
