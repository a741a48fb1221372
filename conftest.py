"""The test database and fixtures shared by every test.

Settings come from `fascia.test_settings` (temporary var directory, local-memory caches).

The test database is made once per session (once per xdist worker): migrated, then the
site's starting content is loaded and committed. Two serialized snapshots are kept, the
database as the migrations left it and as the seed left it. So:

- A `db` test runs inside a transaction that is rolled back, on the seeded site: the
  `site` fixture is a lookup, not a load.
- A transactional test (`transactional_db`, `live_server`, `committed_site`) commits for
  real and pytest-django empties the database after it; the next test that uses the
  database first puts the seeded snapshot back (a tenth of a second instead of the
  second a load takes).
- With --reuse-db the database is a file with a stable name under var/test-databases/
  (SQLite; FASCIA_TEST_DB_NAME overrides the name, and a second run that finds the file
  in use falls back to a database of its own), and the migrated snapshot is kept beside
  it; the name carries a fingerprint of every migration, so a changed migration means a
  new database, never a stale one.

The shared personas (staff of each role, `fascia/tests/personas.py`) are a plugin listed
in `pytest_plugins` below; they are made per test, inside its transaction.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

pytest_plugins = [
    "fascia.tests.personas",
    "fascia.records.tests.factories",
    "fascia.tests.full_record",
    "fascia.tests.gateway",
]

XDIST_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
DB_NAME_VARIABLE = "FASCIA_TEST_DB_NAME"


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items):
    """The long tests first, after pytest-django's ordering (database tests, then
    transactional, then the rest): the `slow` ones (a manage.py subprocess each), then the
    browser journeys (`e2e`, tens of seconds each). Under xdist they are handed out one to
    each worker in turn and run while the others take the many short tests, instead of
    trailing at the end with the other workers idle."""
    items.sort(
        key=lambda item: (
            item.get_closest_marker("slow") is None,
            item.get_closest_marker("e2e") is None,
        )
    )


@pytest.fixture(autouse=True)
def _empty_caches(request):
    """Each test starts with empty caches (a shared Redis would otherwise leak pages)."""
    if request.config.pluginmanager.hasplugin("django"):
        from django.conf import settings
        from django.core.cache import caches

        for alias in settings.CACHES:
            caches[alias].clear()
    yield


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
        (PostgreSQL's sequences do not move when rows are loaded with their ids).

        Content types are cached in the process by id; the restored ones may carry other
        ids than those a flush's post_migrate made, so the cache is emptied."""
        from django.apps import apps
        from django.contrib.contenttypes.models import ContentType
        from django.core.management import call_command
        from django.core.management.color import no_style

        call_command(
            "flush",
            interactive=False,
            inhibit_post_migrate=True,
            verbosity=0,
            database=connection.alias,
        )
        connection.creation.deserialize_db_from_string(data)
        with connection.cursor() as cursor:
            for statement in connection.ops.sequence_reset_sql(no_style(), apps.get_models()):
                cursor.execute(statement)
        ContentType.objects.clear_cache()


def seed_test_database() -> Any:
    """What every test finds in the database: the site's starting content, as `make run`
    loads it. Returns the loader's report."""
    from fascia.website.seed import load_site_content

    return load_site_content()


# -- Where the test database lives -------------------------------------------------------


def migrations_fingerprint() -> str:
    """A hash of every installed app's migration files (and Django's version)."""
    import django
    from django.apps import apps
    from django.conf import settings

    digest = hashlib.sha256(f"{django.__version__} {settings.AUTH_USER_MODEL}".encode())
    for config in sorted(apps.get_app_configs(), key=lambda config: config.label):
        for path in sorted((Path(config.path) / "migrations").glob("*.py")):
            digest.update(f"\0{config.label}/{path.name}\0".encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


@dataclass
class DatabaseFiles:
    """The test database's name and, with --reuse-db, the migrated snapshot kept beside it."""

    reuse: bool
    snapshot: Path | None = None
    lock: Any = None  # the open lock file, held for the whole session
    force_create: bool = False
    notes: list[str] = field(default_factory=list)


def _try_lock(path: Path):
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = path.open("a")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        return None
    return handle


def _remove_stale_databases(directory: Path, label: str, suffix: str, current: Path) -> None:
    """Databases of this name made under other migrations, unless a run is using one."""
    pattern = re.compile(rf"{re.escape(label)}-[0-9a-f]{{12}}{re.escape(suffix)}\.sqlite3")
    for stale in directory.glob("*.sqlite3"):
        if stale == current or not pattern.fullmatch(stale.name):
            continue
        lock = _try_lock(stale.with_suffix(".lock"))
        if lock is None:
            continue
        for extra in ("", "-wal", "-shm"):
            Path(f"{stale}{extra}").unlink(missing_ok=True)
        stale.with_suffix(".migrated.json").unlink(missing_ok=True)
        stale.with_suffix(".lock").unlink(missing_ok=True)
        lock.close()


@pytest.fixture(scope="session")
def _database_files(request) -> DatabaseFiles:
    """Names the test database (replacing pytest-django's xdist suffix, which it applies).

    Without --reuse-db: a file in the run's temporary var directory (SQLite), or
    pytest-django's `test_<NAME>` (PostgreSQL), plus `_gw<N>` under xdist. With
    --reuse-db: `var/test-databases/<name>-<fingerprint>[-gw<N>].sqlite3`, where <name>
    is FASCIA_TEST_DB_NAME or "fascia".
    """
    from django.conf import settings

    files = DatabaseFiles(reuse=bool(request.config.getvalue("reuse_db")))
    label = os.environ.get(DB_NAME_VARIABLE, "fascia")
    if not label.replace("-", "").replace("_", "").isalnum():
        raise pytest.UsageError(f"{DB_NAME_VARIABLE} may hold only letters, digits, - and _")
    fingerprint = migrations_fingerprint()
    for alias, database in settings.DATABASES.items():
        test = database.setdefault("TEST", {})
        if database["ENGINE"] == "django.db.backends.sqlite3":
            suffix = f"-{XDIST_WORKER}" if XDIST_WORKER else ""
            name = Path(settings.VAR_DIR) / f"test-{alias}{suffix}.sqlite3"
            if files.reuse and alias == "default":
                directory = settings.TEST_DATABASES_DIR
                stable = directory / f"{label}-{fingerprint}{suffix}.sqlite3"
                files.lock = _try_lock(stable.with_suffix(".lock"))
                if files.lock is None:
                    files.notes.append(
                        f"{stable} is in use by another run: this run uses a database of its "
                        f"own and does not keep it. Set {DB_NAME_VARIABLE} to run side by side."
                    )
                    files.snapshot = name.with_suffix(".migrated.json")
                else:
                    _remove_stale_databases(directory, label, suffix, stable)
                    name = stable
                    files.snapshot = stable.with_suffix(".migrated.json")
                    if not files.snapshot.is_file():
                        # Made by a run that stopped before its snapshot was written.
                        for extra in ("", "-wal", "-shm"):
                            Path(f"{stable}{extra}").unlink(missing_ok=True)
            test["NAME"] = str(name)
        else:
            base = test.get("NAME") or (
                f"test_{label}" if DB_NAME_VARIABLE in os.environ else f"test_{database['NAME']}"
            )
            test["NAME"] = f"{base}_{XDIST_WORKER}" if XDIST_WORKER else base
            if files.reuse and alias == "default":
                files.snapshot = settings.TEST_DATABASES_DIR / (
                    f"{test['NAME']}-{fingerprint}.migrated.json"
                )
                files.force_create = not files.snapshot.is_file()
    for note in files.notes:
        warnings.warn(note, stacklevel=1)
    return files


@pytest.fixture(scope="session")
def django_db_modify_db_settings(_database_files) -> None:
    """pytest-django's hook for naming the test databases, before they are created."""


@pytest.fixture(scope="session")
def django_db_createdb(django_db_createdb, _database_files) -> bool:
    """Re-create a reused server database that has no migrated snapshot for these
    migrations (SQLite's files carry the fingerprint in their name instead)."""
    return django_db_createdb or _database_files.force_create


@pytest.fixture(scope="session")
def django_db_keepdb(request, django_db_keepdb, django_db_blocker, _database_files) -> bool:
    """Without --reuse-db, each xdist worker's test database starts as a copy of one
    database `manage.py migrate` made once for the whole run, which Django then keeps
    instead of migrating it again: a copied file on SQLite (`migrated_sqlite_file`), a
    `CREATE DATABASE … TEMPLATE` on PostgreSQL (`migrated_postgres_template`). A copy takes
    a second or two; running every migration takes a worker some twenty seconds."""
    from django.conf import settings

    database = settings.DATABASES["default"]
    if django_db_keepdb:
        return True
    if database["ENGINE"] == "django.db.backends.sqlite3":
        _copy_sqlite(
            request.getfixturevalue("migrated_sqlite_file"), Path(database["TEST"]["NAME"])
        )
        return True
    if database["ENGINE"] == "django.db.backends.postgresql":
        template = request.getfixturevalue("migrated_postgres_template")
        with django_db_blocker.unblock(), _postgres_lock(), _maintenance_cursor() as cursor:
            name = database["TEST"]["NAME"]
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            cursor.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        return True
    return False


# -- A database as `manage.py migrate` makes it ------------------------------------------


@pytest.fixture(scope="session")
def migrated_sqlite_file(request, _database_files) -> Path:
    """A SQLite file exactly as `manage.py migrate` (production settings) leaves it, for
    tests that run manage.py on a fresh installation: copy it, never write to it.

    Migrating takes most of such a test's time and gives the same file every time, so it
    is made once per run, and with --reuse-db kept under var/test-databases/, named by the
    migrations' fingerprint. xdist workers take turns: the first makes it.
    """
    import subprocess
    import sys

    from django.conf import settings

    if _database_files.reuse:
        directory = settings.TEST_DATABASES_DIR
    else:
        directory = Path(settings.VAR_DIR) / "test-databases"
    target = directory / f"manage-migrate-{migrations_fingerprint()}.sqlite3"
    directory.mkdir(parents=True, exist_ok=True)
    with target.with_suffix(".lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not target.is_file():
            partial = target.with_suffix(".partial")
            partial.unlink(missing_ok=True)
            env = {
                **os.environ,
                "DJANGO_SETTINGS_MODULE": "fascia.settings",
                "FASCIA_VAR_DIR": str(request.getfixturevalue("tmp_path_factory").mktemp("var")),
                "DATABASE_URL": f"sqlite:///{partial}",
            }
            env.pop("REDIS_URL", None)
            subprocess.run(
                [sys.executable, "manage.py", "migrate", "--no-input"],
                cwd=settings.BASE_DIR,
                env=env,
                capture_output=True,
                check=True,
            )
            _copy_sqlite(partial, target)
            for extra in ("", "-wal", "-shm"):
                Path(f"{partial}{extra}").unlink(missing_ok=True)
    for stale in directory.glob("manage-migrate-*.sqlite3"):
        if stale != target and (stale_lock := _try_lock(stale.with_suffix(".lock"))):
            stale.unlink(missing_ok=True)
            stale.with_suffix(".lock").unlink(missing_ok=True)
            stale_lock.close()
    return target


@pytest.fixture(scope="session")
def migrated_postgres_template(request, django_db_blocker, _database_files) -> str:
    """A PostgreSQL database exactly as `manage.py migrate` leaves it, named by the
    migrations' fingerprint, for each worker's test database to be made from: made once
    (the first worker makes it while the others wait), kept for later runs, and those of
    other migrations removed."""
    import subprocess
    import sys

    from django.conf import settings

    database = settings.DATABASES["default"]
    base = database["TEST"]["NAME"].removesuffix(f"_{XDIST_WORKER}")
    template = f"{base}_migrated_{migrations_fingerprint()}"
    with django_db_blocker.unblock(), _postgres_lock():
        with _maintenance_cursor() as cursor:
            cursor.execute(
                "SELECT datname FROM pg_database WHERE datname LIKE %s", [f"{base}_migrated_%"]
            )
            existing = {row[0] for row in cursor.fetchall()}
            for stale in existing - {template}:
                cursor.execute(f'DROP DATABASE IF EXISTS "{stale}" WITH (FORCE)')
            if template in existing:
                return template
            cursor.execute(f'CREATE DATABASE "{template}"')
        user = database.get("USER") or ""
        password = f":{database['PASSWORD']}" if database.get("PASSWORD") else ""
        at = f"{user}{password}@" if user else ""
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "fascia.settings",
            "FASCIA_VAR_DIR": str(request.getfixturevalue("tmp_path_factory").mktemp("var")),
            "DATABASE_URL": (
                f"postgres://{at}{database.get('HOST') or ''}:{database.get('PORT') or 5432}"
                f"/{template}"
            ),
        }
        env.pop("REDIS_URL", None)
        made = subprocess.run(
            [sys.executable, "manage.py", "migrate", "--no-input"],
            cwd=settings.BASE_DIR,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        if made.returncode:
            with _maintenance_cursor() as cursor:
                cursor.execute(f'DROP DATABASE IF EXISTS "{template}" WITH (FORCE)')
            raise RuntimeError(f"manage.py migrate failed:\n{made.stdout}{made.stderr}")
    return template


@contextlib.contextmanager
def _postgres_lock():
    """One worker at a time makes the template or copies it (a file lock in the run's
    shared var directory)."""
    from django.conf import settings

    path = Path(settings.VAR_DIR) / "test-databases" / "postgres.lock"
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


@contextlib.contextmanager
def _maintenance_cursor():
    """A cursor on PostgreSQL's maintenance database, outside any test database."""
    from django.db import connection

    with connection._nodb_cursor() as cursor:
        yield cursor


def _copy_sqlite(source: Path, target: Path) -> None:
    """A consistent copy of a SQLite database (its write-ahead log included)."""
    import sqlite3

    reader = sqlite3.connect(source)
    writer = sqlite3.connect(target)
    try:
        reader.backup(writer)
    finally:
        writer.close()
        reader.close()


@pytest.fixture
def fresh_installation(migrated_sqlite_file):
    """Puts a freshly migrated `fascia.sqlite3` (a copy of the file above) in a directory."""

    def install(var_dir: Path) -> Path:
        var_dir.mkdir(parents=True, exist_ok=True)
        _copy_sqlite(migrated_sqlite_file, var_dir / "fascia.sqlite3")
        return var_dir

    return install


# -- The seeded database, and putting it back --------------------------------------------


@dataclass
class TestDatabase:
    """The session's test database: its two snapshots and whether it needs the second back."""

    migrated: str
    seeded: str
    seed_report: Any
    dirty: bool = False

    def put_back_seeded(self) -> None:
        from django.db import connection

        DatabaseSnapshots.restore(connection, self.seeded)
        self.dirty = False


@pytest.fixture(scope="session")
def django_db_setup(
    django_db_setup, django_db_blocker, django_db_keepdb, django_db_createdb, _database_files
):
    """pytest-django's test database, migrated, then seeded and committed."""
    from django.db import connection

    snapshot = _database_files.snapshot
    with django_db_blocker.unblock():
        if snapshot is not None and snapshot.is_file():
            # A reused database: put it back as the migrations left it, whatever the last
            # run left in it.
            migrated = snapshot.read_text()
            DatabaseSnapshots.restore(connection, migrated)
        else:
            migrated = DatabaseSnapshots.serialize(connection)
            if snapshot is not None:
                partial = snapshot.with_suffix(".partial")
                partial.write_text(migrated)
                partial.replace(snapshot)
        report = seed_test_database()
        seeded = DatabaseSnapshots.serialize(connection)
    yield TestDatabase(migrated=migrated, seeded=seeded, seed_report=report)
    if connection.vendor == "postgresql" and not (django_db_keepdb and not django_db_createdb):
        # PostgreSQL will not drop a database another session is still connected to (a
        # thread a test started, the live server's): end those before pytest-django drops it.
        with django_db_blocker.unblock(), connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )


@pytest.fixture(scope="session")
def test_database(django_db_setup) -> TestDatabase:
    return django_db_setup


@pytest.fixture
def _seeded_database(test_database, django_db_blocker) -> TestDatabase:
    """Puts the seeded snapshot back if a transactional test has run since it was there."""
    if test_database.dirty:
        with django_db_blocker.unblock():
            test_database.put_back_seeded()
    return test_database


@pytest.fixture
def _django_db_helper(_seeded_database, _django_db_helper) -> None:
    """pytest-django's per-test database set-up, which every database test goes through
    (`db`, `transactional_db`, the `django_db` mark, `live_server`), once the seeded site is
    back. A transactional test (no transaction open around it) leaves the database dirty:
    it commits, and pytest-django empties the database after it."""
    from django.db import connection

    if not connection.in_atomic_block:
        _seeded_database.dirty = True


@pytest.fixture(scope="session")
def migrated_database(test_database) -> str:
    """The test database as the migrations left it, serialized (content types first)."""
    return test_database.migrated


@pytest.fixture(scope="session")
def seeded_database(test_database) -> str:
    """The test database with the starting content loaded, serialized."""
    return test_database.seeded


@pytest.fixture(scope="session")
def database_snapshots():
    return DatabaseSnapshots


@pytest.fixture
def site(db, test_database):
    """The starting content, loaded as `make run` loads it (the loader's report). Every
    database test has it; asking for `site` says that a test relies on it."""
    return test_database.seed_report


@pytest.fixture
def committed_site(transactional_db, test_database):
    """The starting content, committed, for tests whose code commits or closes database
    connections (a task worker, the live server). The database is emptied after the test
    and the seeded snapshot put back before the next one."""
    return test_database.seed_report
