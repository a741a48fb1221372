"""Least privilege, proven for every URL: the access test generated from the URL configuration.

Every pattern under /app/, /cms/ and /django-admin/ is requested by every persona and
anonymously, and each answer is compared with `access_table.py`. Each request runs in a
savepoint that is rolled back, so one persona's allowed POST never changes what the next
one finds; a refused POST must have changed nothing (no row added or removed, no audit
event but the refusal's own). A staff page read with GET is also sent an empty POST by
everyone it refuses: refused the same way (or 405), and nothing changes.
"""

import functools
import hashlib
import re
from http.cookies import SimpleCookie
from urllib.parse import urlsplit

import pytest
from django.apps import apps
from django.db import connection, transaction
from django.test import Client
from django.urls import reverse

from fascia.accounts.models import AuditEvent
from fascia.tests import access_table
from fascia.tests.access_table import ANONYMOUS, EVERYONE, Answer, Row
from fascia.tests.csp import strict_policy_problem
from fascia.tests.personas import signed_in
from fascia.tests.url_patterns import Pattern, all_patterns

AREAS = ("app/", "cms/", "django-admin/")
SIGN_IN_PAGES = ("staff:login", "wagtailadmin_login", "admin:login")
# The apps whose rows a refused request must leave alone.
PROJECT_APPS = (
    "accounts",
    "clinics",
    "records",
    "messaging",
    "treatment",
    "scheduling",
    "enquiries",
)
REFUSED = "access.refused"


@functools.cache
def patterns_in_scope() -> tuple[Pattern, ...]:
    """Every URL pattern under the staff area, the CMS and Django's admin."""
    return tuple(p for p in all_patterns() if p.route.startswith(AREAS))


def row_for(pattern: Pattern) -> Row | None:
    if pattern.key in access_table.ROWS:
        return access_table.ROWS[pattern.key]
    for prefix, row in access_table.GROUPS.items():
        if pattern.route.startswith(prefix):
            return row
    return None


def url_of(pattern: Pattern, row: Row, dataset) -> tuple[str, dict[str, object]]:
    """The URL to request for `pattern`, and the values of its parameters."""
    values: dict[str, object] = {}
    for name, converter in pattern.parameters.items():
        fill = row.parameters.get(name) or access_table.PARAMETERS.get(name)
        if fill is None and converter == "int" and not pattern.route.startswith("app/"):
            values[name] = access_table.DEFAULT_INTEGER
        elif fill is None:
            raise AssertionError(
                f"No value for the path parameter {name!r} of {pattern.key} ({pattern.route}): "
                "add it to PARAMETERS in fascia/tests/access_table.py."
            )
        else:
            values[name] = fill(dataset)
    if pattern.named:
        return reverse(pattern.key, kwargs=values), values
    path = re.sub(r"\(\?P<(\w+)>[^)]*\)", lambda m: str(values[m[1]]), pattern.route)
    return "/" + path.replace("^", "").replace("$", "").replace(".*", "no-such-page"), values


def _target(to: str, values: dict[str, object] | None = None) -> str:
    """The path of a redirect's target: a path, or a URL name reversed with the parameters
    of the requested URL that it takes."""
    if to.startswith("/"):
        return to
    target = next((p for p in patterns_in_scope() if p.key == to), None)
    wanted = target.parameters if target else {}
    return reverse(to, kwargs={k: v for k, v in (values or {}).items() if k in wanted})


def _is_refusal(response) -> bool:
    if response.status_code == 403:
        return True
    location = urlsplit(response.get("Location", "")).path
    return response.status_code in (301, 302) and location in {
        _target(page) for page in SIGN_IN_PAGES
    }


def matches(answer: Answer, response, values: dict[str, object]) -> bool:
    if answer.reaches:
        return not _is_refusal(response) and response.status_code < 500
    if response.status_code != answer.status:
        return False
    if answer.to is not None:
        return urlsplit(response.get("Location", "")).path == _target(answer.to, values)
    return True


def described(response) -> str:
    location = response.get("Location")
    return f"{response.status_code} to {location}" if location else str(response.status_code)


@functools.cache
def counting_query() -> tuple[tuple[str, ...], str]:
    """One query that counts the rows of every project table (the audit trail's without
    the refusals' own events), instead of one query a table before and after each of
    thousands of requests. The table names come from the models, never from a request."""
    quote = connection.ops.quote_name
    names, counts = [], []
    for label in PROJECT_APPS:
        for model in apps.get_app_config(label).get_models():
            names.append("audit events" if model is AuditEvent else model._meta.label)
            where = " WHERE action <> %s" if model is AuditEvent else ""
            table = quote(model._meta.db_table)
            counts.append(f"(SELECT COUNT(*) FROM {table}{where})")  # noqa: S608
    return tuple(names), "SELECT " + ", ".join(counts)


def state() -> dict[str, int]:
    """How many rows each project table holds, and how many audit events are not refusals."""
    names, query = counting_query()
    with connection.cursor() as cursor:
        cursor.execute(query, [REFUSED])
        return dict(zip(names, cursor.fetchone(), strict=True))


def changed(before: dict[str, int], after: dict[str, int]) -> list[str]:
    return [
        f"{name} {before[name]} → {after[name]}" for name in before if before[name] != after[name]
    ]


def csp_problem(response) -> str | None:
    """What is wrong with the policy of a page (a 200 response), if anything."""
    return strict_policy_problem(response) if response.status_code == 200 else None


@pytest.fixture
def clients(full_record) -> dict[str, Client]:
    # A view that fails answers 500 here, as it would in production, instead of raising.
    made = {ANONYMOUS: Client(raise_request_exception=False)}
    for name in access_table.PERSONAS:
        made[name] = signed_in(Client(raise_request_exception=False), full_record.persona(name))
    return made


def request(client: Client, method: str, url: str, *, watched: bool):
    """The response to one request, in a savepoint rolled back afterwards, and the row
    counts before and after it when `watched`."""
    cookies = SimpleCookie(client.cookies)
    with transaction.atomic():
        before = state() if watched else {}
        response = getattr(client, method.lower())(url)
        after = state() if watched else {}
        transaction.set_rollback(True)
    client.cookies = cookies  # a sign-out changed the session; the rollback restored it
    return response, before, after


def mismatches(pattern: Pattern, clients: dict[str, Client], dataset) -> list[str]:
    """What differs from the table for one URL, persona by persona."""
    row = row_for(pattern)
    assert row is not None
    url, values = url_of(pattern, row, dataset)
    found = []
    for persona in EVERYONE:
        expected = row.answers[persona]
        watched = row.method == "POST" and persona not in row.allowed
        response, before, after = request(clients[persona], row.method, url, watched=watched)
        if not matches(expected, response, values):
            found.append(
                f"{pattern.key} ({row.method} {url}) as {persona}: "
                f"expected {expected}, got {described(response)}"
            )
        elif before != after:
            found.append(
                f"{pattern.key} (POST {url}) as {persona}: refused, yet it changed "
                + ", ".join(changed(before, after))
            )
        elif problem := csp_problem(response):
            found.append(f"{pattern.key} ({url}) as {persona}: {problem}")
    if row.method == "GET" and pattern.route.startswith("app/"):
        found += refused_posts(pattern, row, url, values, clients)
    return found


def refused_posts(pattern: Pattern, row: Row, url: str, values, clients) -> list[str]:
    """A staff page read with GET may also take a form: whoever is refused the page is
    refused the form the same way (or told the page takes no form, 405), and nothing
    changes."""
    found = []
    for persona in EVERYONE:
        if persona in row.allowed:
            continue
        response, before, after = request(clients[persona], "POST", url, watched=True)
        expected = row.answers[persona]
        if response.status_code != 405 and not matches(expected, response, values):
            found.append(
                f"{pattern.key} (POST {url}) as {persona}: "
                f"expected {expected} as for GET, got {described(response)}"
            )
        elif before != after:
            found.append(
                f"{pattern.key} (POST {url}) as {persona}: refused, yet it changed "
                + ", ".join(changed(before, after))
            )
    return found


def test_every_url_has_a_row():
    missing = [
        f'  {pattern.key!r} ({pattern.route}): add "{pattern.key}": staff(ok=(…)),  to ROWS '
        "in fascia/tests/access_table.py, with the personas who may open it"
        for pattern in patterns_in_scope()
        if row_for(pattern) is None
    ]
    assert not missing, "URLs with no declared expectation:\n" + "\n".join(missing)


def test_every_row_names_a_url():
    keys = {pattern.key for pattern in patterns_in_scope()}
    stale = sorted(set(access_table.ROWS) - keys)
    assert not stale, f"rows in access_table.ROWS for URLs that no longer exist: {stale}"


def test_every_row_answers_for_everyone():
    rows = [*access_table.ROWS.items(), *access_table.GROUPS.items()]
    incomplete = [key for key, row in rows if set(row.answers) != set(EVERYONE)]
    assert not incomplete, f"rows without an answer for every persona: {incomplete}"


# Each area's URLs are walked in this many parts, one test each, so that parallel workers
# share the staff area's hundreds of requests instead of one worker taking them all.
PARTS = {"app/": 6, "cms/": 4, "django-admin/": 1}


def part_of(pattern: Pattern, area: str) -> int:
    """Which part of its area a URL pattern falls in: the same every run."""
    digest = hashlib.sha256(pattern.key.encode()).digest()
    return digest[0] % PARTS[area]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("area", "part"), [(area, part) for area in AREAS for part in range(PARTS[area])]
)
def test_each_persona_gets_the_declared_answer(area, part, clients, full_record):
    found = [
        line
        for pattern in patterns_in_scope()
        if pattern.route.startswith(area)
        and part_of(pattern, area) == part
        and row_for(pattern) is not None
        for line in mismatches(pattern, clients, full_record)
    ]
    assert not found, f"{len(found)} answers differ from access_table.py:\n" + "\n".join(found)
