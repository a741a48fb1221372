"""The test database and fixtures shared by every test.

Settings come from `fascia.test_settings` (temporary var directory, local-memory caches).

- `manage.py migrate` runs once per set of migrations, not once per run or per worker: the
  result is kept under var/test-databases/, named by a fingerprint of every migration
  file (a SQLite file; on PostgreSQL a template database), and the first process of a run
  starts making it in the background while the xdist workers start and collect.
- Each worker's test database is a copy of it (SQLite's backup API; PostgreSQL's
  `CREATE DATABASE … TEMPLATE`), into which the site's starting content is loaded and
  committed, and a snapshot of that seeded database is kept (`SeededSnapshot`).
- A `db` test runs inside a transaction that is rolled back, on the seeded site: the
  `site` fixture is a lookup, not a load.
- A transactional test (`transactional_db`, `live_server`, `committed_site`) commits for
  real; when it ends, the seeded snapshot is put back (in tens of milliseconds) instead of
  Django emptying every table and re-running the post-migrate handlers.

The shared personas (staff of each role, `fascia/tests/personas.py`) are a plugin listed
in `pytest_plugins` below; they are made per test, inside its transaction.
"""

from __future__ import annotations

import atexit
import contextlib
import fcntl
import hashlib
import os
import sqlite3
import subprocess
import sys
import threading
from dataclasses import dataclass
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


DATABASE_FIXTURES = {"django_db_setup", "migrated_sqlite_file"}


def needs_a_database(item: pytest.Item) -> bool:
    """Whether the test waits for the migrated database (any database test, and those of a
    fresh installation)."""
    fixtures = set(getattr(item, "fixturenames", ()))
    return bool(fixtures & DATABASE_FIXTURES) or item.get_closest_marker("django_db") is not None


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items):
    """The order tests are handed out in, after pytest-django's (database tests, then
    transactional, then the rest):

    1. The tests that need no database, while the migrated database is still being made
       (about seventy seconds of work for three workers, which would otherwise wait).
    2. The long tests: the `slow` ones (a manage.py subprocess each), then the browser
       journeys (`e2e`, tens of seconds each). Under xdist they go one to each worker in
       turn and run while the others take the many short tests, instead of trailing at
       the end with the other workers idle.
    3. The rest.
    """
    items.sort(
        key=lambda item: (
            needs_a_database(item),
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


def seed_test_database() -> Any:
    """What every test finds in the database: the site's starting content, as `make run`
    loads it. Returns the loader's report."""
    from fascia.website.seed import load_site_content

    return load_site_content()


# -- The migrated database: `manage.py migrate`, once per set of migrations --------------


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


def _kept_databases_dir() -> Path:
    """var/test-databases/ (FASCIA_TEST_DATABASES_DIR), shared by the runs of one checkout."""
    from django.conf import settings

    directory = Path(settings.TEST_DATABASES_DIR)
    directory.mkdir(parents=True, exist_ok=True)
    return directory


def _try_lock(path: Path):
    """The open lock file if it was free, else None."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = path.open("a")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        return None
    return handle


@contextlib.contextmanager
def _locked(path: Path):
    """Holds the file lock `path` (waiting for it): one process at a time, across the
    controller's background build, the xdist workers and other runs."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield


_migrations_running: list[subprocess.Popen] = []


def _stop_migrations_still_running() -> None:
    """A run that ends while its background build still migrates (it needed no database)
    stops it; the half-made database is removed by the next build."""
    for process in _migrations_running:
        if process.poll() is None:
            process.kill()


atexit.register(_stop_migrations_still_running)


def _manage_migrate(database_url: str) -> None:
    """`manage.py migrate` with production settings, as `make run` runs it."""
    from django.conf import settings

    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "fascia.settings",
        "FASCIA_VAR_DIR": str(Path(settings.VAR_DIR) / f"migrate-{os.getpid()}"),
        "DATABASE_URL": database_url,
    }
    env.pop("REDIS_URL", None)
    process = subprocess.Popen(
        [sys.executable, "manage.py", "migrate", "--no-input"],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    _migrations_running.append(process)
    output, _ = process.communicate()
    if process.returncode:
        raise RuntimeError(f"manage.py migrate failed:\n{output}")


def _copy_sqlite(source: Path, target: Path) -> None:
    """A consistent copy of a SQLite database (its write-ahead log included)."""
    reader = sqlite3.connect(source)
    writer = sqlite3.connect(target)
    try:
        reader.backup(writer)
    finally:
        writer.close()
        reader.close()


@dataclass(frozen=True)
class MigratedSqlite:
    """The SQLite file `manage.py migrate` makes, `manage-migrate-<fingerprint>.sqlite3`:
    copied by each worker and by the tests of a fresh installation, never written to."""

    path: Path

    @classmethod
    def for_these_migrations(cls) -> MigratedSqlite:
        directory = _kept_databases_dir()
        return cls(directory / f"manage-migrate-{migrations_fingerprint()}.sqlite3")

    @property
    def lock(self) -> Path:
        return self.path.with_suffix(".lock")

    def make(self) -> None:
        """Migrates it unless it exists (the caller holds the lock), and removes the files
        of other migrations that no run is using."""
        if not self.path.is_file():
            partial = self.path.with_suffix(".partial")
            for extra in ("", "-wal", "-shm"):
                Path(f"{partial}{extra}").unlink(missing_ok=True)
            _manage_migrate(f"sqlite:///{partial}")
            _copy_sqlite(partial, self.path)
            for extra in ("", "-wal", "-shm"):
                Path(f"{partial}{extra}").unlink(missing_ok=True)
        for stale in self.path.parent.glob("manage-migrate-*.sqlite3"):
            if stale != self.path and (stale_lock := _try_lock(stale.with_suffix(".lock"))):
                stale.unlink(missing_ok=True)
                stale.with_suffix(".lock").unlink(missing_ok=True)
                stale_lock.close()

    def ready(self) -> Path:
        with _locked(self.lock):
            self.make()
        return self.path


@dataclass(frozen=True)
class MigratedPostgres:
    """A PostgreSQL database as `manage.py migrate` leaves it,
    `test_<name>_migrated_<fingerprint>`: the template of each worker's test database.
    Kept on the server for later runs; those of other migrations are dropped. It is
    migrated under a `_partial` name and renamed when done, so an interrupted build never
    leaves a half-migrated template behind."""

    server: dict[str, Any]
    base: str
    name: str

    @classmethod
    def for_these_migrations(cls) -> MigratedPostgres:
        from django.conf import settings

        database = settings.DATABASES["default"]
        base = postgres_base_name(database)
        return cls(
            server={
                key: value
                for key, value in {
                    "user": database.get("USER"),
                    "password": database.get("PASSWORD"),
                    "host": database.get("HOST"),
                    "port": database.get("PORT"),
                }.items()
                if value
            },
            base=base,
            name=f"{base}_migrated_{migrations_fingerprint()}",
        )

    @property
    def lock(self) -> Path:
        return _kept_databases_dir() / f"postgres-{self.base}.lock"

    @contextlib.contextmanager
    def _maintenance(self):
        """A connection to the server's maintenance database, outside any test database."""
        import psycopg

        with psycopg.connect(dbname="postgres", autocommit=True, **self.server) as connection:
            yield connection

    def make(self) -> None:
        """Migrates it unless it exists (the caller holds the lock)."""
        from psycopg import sql

        partial = f"{self.name}_partial"
        with self._maintenance() as server:
            names = server.execute(
                "SELECT datname FROM pg_database WHERE datname LIKE %s",
                [f"{self.base}_migrated_%"],
            )
            existing = {row[0] for row in names}
            for stale in existing - {self.name}:
                server.execute(
                    sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(stale))
                )
            if self.name in existing:
                return
            server.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(partial)))
        try:
            _manage_migrate(self._url(partial))
        except BaseException:
            self.drop(partial)
            raise
        with self._maintenance() as server:
            server.execute(
                sql.SQL("ALTER DATABASE {} RENAME TO {}").format(
                    sql.Identifier(partial), sql.Identifier(self.name)
                )
            )

    def _url(self, name: str) -> str:
        from urllib.parse import quote

        user = quote(self.server.get("user", ""))
        password = f":{quote(self.server['password'])}" if "password" in self.server else ""
        at = f"{user}{password}@" if user else ""
        return (
            f"postgres://{at}{self.server.get('host', '')}:{self.server.get('port', 5432)}/{name}"
        )

    def ready(self) -> None:
        with _locked(self.lock):
            self.make()

    def copy_to(self, name: str) -> None:
        """Makes `name` afresh as a copy of the template (one copy at a time: PostgreSQL
        copies a template only while nobody else uses it)."""
        from psycopg import sql

        with _locked(self.lock), self._maintenance() as server:
            server.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
            server.execute(
                sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                    sql.Identifier(name), sql.Identifier(self.name)
                )
            )

    def drop(self, name: str) -> None:
        from psycopg import sql

        with self._maintenance() as server:
            server.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


def postgres_base_name(database: dict[str, Any]) -> str:
    """`test_<FASCIA_TEST_DB_NAME>` when it is set (runs side by side on one server), else
    pytest-django's `test_<NAME>`."""
    label = os.environ.get(DB_NAME_VARIABLE)
    if label is not None and not label.replace("-", "").replace("_", "").isalnum():
        raise pytest.UsageError(f"{DB_NAME_VARIABLE} may hold only letters, digits, - and _")
    return f"test_{label or database['NAME']}"


def migrated_for_these_migrations() -> MigratedSqlite | MigratedPostgres | None:
    from django.conf import settings

    engine = settings.DATABASES["default"]["ENGINE"]
    if engine == "django.db.backends.sqlite3":
        return MigratedSqlite.for_these_migrations()
    if engine == "django.db.backends.postgresql":
        return MigratedPostgres.for_these_migrations()
    return None


@pytest.hookimpl(tryfirst=True)
def pytest_sessionstart(session):
    """The first process of a run (xdist's controller, or pytest alone) starts making the
    migrated database in the background, before the workers start: migrating takes some
    thirty seconds of one CPU, which the workers' start-up and collection now share
    instead of waiting for it. It holds the lock until done; a worker that needs the
    database waits for the lock (`migrated_sqlite_file`, `migrated_postgres`)."""
    if XDIST_WORKER or not session.config.pluginmanager.hasplugin("django"):
        return
    if session.config.getoption("collectonly"):
        return
    migrated = migrated_for_these_migrations()
    if migrated is None or (lock := _try_lock(migrated.lock)) is None:
        return

    def build() -> None:
        try:
            migrated.make()
        finally:
            lock.close()

    threading.Thread(target=build, name="migrate-once", daemon=True).start()


@pytest.fixture(scope="session")
def migrated_sqlite_file() -> Path:
    """`manage.py migrate`'s SQLite file for these migrations (copy it, never write to
    it): each worker's database on SQLite, and a fresh installation on either."""
    return MigratedSqlite.for_these_migrations().ready()


@pytest.fixture(scope="session")
def migrated_postgres() -> MigratedPostgres:
    migrated = MigratedPostgres.for_these_migrations()
    migrated.ready()
    return migrated


@pytest.fixture
def fresh_installation(migrated_sqlite_file):
    """Puts a freshly migrated `fascia.sqlite3` (a copy of the file above) in a directory."""

    def install(var_dir: Path) -> Path:
        var_dir.mkdir(parents=True, exist_ok=True)
        _copy_sqlite(migrated_sqlite_file, var_dir / "fascia.sqlite3")
        return var_dir

    return install


# -- Each worker's test database ---------------------------------------------------------


@pytest.fixture(scope="session")
def django_db_modify_db_settings() -> None:
    """pytest-django's hook for naming the test databases, before they are made: a file in
    the run's temporary var directory (SQLite), `test_<name>[_gw<N>]` (PostgreSQL)."""
    from django.conf import settings

    for alias, database in settings.DATABASES.items():
        test = database.setdefault("TEST", {})
        if database["ENGINE"] == "django.db.backends.sqlite3":
            suffix = f"-{XDIST_WORKER}" if XDIST_WORKER else ""
            test["NAME"] = str(Path(settings.VAR_DIR) / f"test-{alias}{suffix}.sqlite3")
        else:
            base = test.get("NAME") or postgres_base_name(database)
            test["NAME"] = f"{base}_{XDIST_WORKER}" if XDIST_WORKER else base


@pytest.fixture(scope="session")
def django_db_keepdb(request, django_db_modify_db_settings) -> bool:
    """Makes this worker's test database as a copy of the migrated one, and tells Django to
    keep it as it is (not to migrate it, not to drop it): a copied file on SQLite, a
    `CREATE DATABASE … TEMPLATE` on PostgreSQL. A copy takes a second; migrating takes
    thirty."""
    from django.conf import settings

    database = settings.DATABASES["default"]
    if database["ENGINE"] == "django.db.backends.sqlite3":
        _copy_sqlite(
            request.getfixturevalue("migrated_sqlite_file"), Path(database["TEST"]["NAME"])
        )
        return True
    if database["ENGINE"] == "django.db.backends.postgresql":
        request.getfixturevalue("migrated_postgres").copy_to(database["TEST"]["NAME"])
        return True
    return False


class SqliteSnapshot:
    """The seeded database copied into memory with SQLite's backup API, and copied back."""

    def __init__(self, connection) -> None:
        connection.ensure_connection()
        self.copy = sqlite3.connect(":memory:", check_same_thread=False)
        connection.connection.backup(self.copy)

    def put_back(self, connection) -> None:
        connection.ensure_connection()
        self.copy.backup(connection.connection)


class PostgresSnapshot:
    """The seeded tables copied into a schema of their own (`fascia_seeded`, outside the
    search path, so Django never sees it), and each sequence's value. Putting them back is
    one script in one transaction, with the foreign keys checked at its end: DELETE from
    every table (a TRUNCATE of them all takes ten times as long), except those whose own
    triggers refuse a DELETE (the audit trail's), which are truncated; then the seeded
    rows copied in and the sequences set."""

    SCHEMA = "fascia_seeded"

    def __init__(self, connection) -> None:
        from psycopg import sql

        schema = sql.Identifier(self.SCHEMA)
        tables = sorted(
            connection.introspection.django_table_names(only_existing=True, include_views=False)
        )
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT DISTINCT tgrelid::regclass::text FROM pg_trigger WHERE NOT tgisinternal"
            )
            guarded = {row[0] for row in cursor.fetchall()} & set(tables)
            script = [
                sql.SQL("SET CONSTRAINTS ALL DEFERRED"),
                *(
                    [
                        sql.SQL("TRUNCATE {}").format(
                            sql.SQL(", ").join(map(sql.Identifier, guarded))
                        )
                    ]
                    if guarded
                    else []
                ),
                *(
                    sql.SQL("DELETE FROM {}").format(sql.Identifier(name))
                    for name in tables
                    if name not in guarded
                ),
            ]
            cursor.execute(
                sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE; CREATE SCHEMA {}")
                .format(schema, schema)
                .as_string(connection.connection)
            )
            for name in tables:
                table = sql.Identifier(name)
                cursor.execute(
                    sql.SQL("SELECT EXISTS (SELECT FROM {})")
                    .format(table)
                    .as_string(connection.connection)
                )
                if cursor.fetchone()[0]:
                    cursor.execute(
                        sql.SQL("CREATE TABLE {}.{} AS TABLE {}")
                        .format(schema, table, table)
                        .as_string(connection.connection)
                    )
                    script.append(
                        sql.SQL("INSERT INTO {} SELECT * FROM {}.{}").format(table, schema, table)
                    )
            cursor.execute(
                "SELECT format('%I.%I', schemaname, sequencename), last_value"
                " FROM pg_sequences WHERE schemaname = current_schema()"
            )
            script.extend(
                sql.SQL("SELECT setval({}::regclass, {}, {})").format(
                    sql.Literal(sequence), sql.Literal(value or 1), sql.Literal(value is not None)
                )
                for sequence, value in cursor.fetchall()
            )
        self.script = sql.SQL("; ").join(script).as_string(connection.connection)

    def put_back(self, connection) -> None:
        from django.db import transaction

        with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
            cursor.execute(self.script)


def take_snapshot(connection) -> SqliteSnapshot | PostgresSnapshot:
    if connection.vendor == "sqlite":
        return SqliteSnapshot(connection)
    return PostgresSnapshot(connection)


@dataclass
class TestDatabase:
    """The session's test database: the seed's report, and the snapshot of it seeded."""

    seed_report: Any
    snapshot: SqliteSnapshot | PostgresSnapshot

    def put_back_seeded(self, connection) -> None:
        from django.contrib.contenttypes.models import ContentType

        self.snapshot.put_back(connection)
        ContentType.objects.clear_cache()


@contextlib.contextmanager
def _seeded_after_each_transactional_test(database: TestDatabase):
    """pytest-django ends a transactional test as Django's TransactionTestCase does, in its
    `_fixture_teardown`: `flush` empties every table and runs every post-migrate handler
    again (one to two seconds), and the next test would still need the seeded site back.
    For the length of the session that method puts the seeded snapshot back instead.
    (Django's TestCase, the `db` tests', has its own: it rolls the test's transaction back.)
    """
    from django.db import connection
    from django.test import TransactionTestCase

    def put_back_seeded(test_case) -> None:
        database.put_back_seeded(connection)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(TransactionTestCase, "_fixture_teardown", put_back_seeded)
        yield


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """pytest-django's test database (a copy of the migrated one), seeded and committed,
    and its snapshot. A PostgreSQL test database is dropped at the end."""
    from django.db import connection

    with django_db_blocker.unblock():
        report = seed_test_database()
        database = TestDatabase(seed_report=report, snapshot=take_snapshot(connection))
    with _seeded_after_each_transactional_test(database):
        yield database
    if connection.vendor == "postgresql":
        name = connection.settings_dict["NAME"]
        with django_db_blocker.unblock():
            connection.close()
            MigratedPostgres.for_these_migrations().drop(name)


@pytest.fixture(scope="session")
def test_database(django_db_setup) -> TestDatabase:
    return django_db_setup


@pytest.fixture
def site(db, test_database):
    """The starting content, loaded as `make run` loads it (the loader's report). Every
    database test has it; asking for `site` says that a test relies on it."""
    return test_database.seed_report


@pytest.fixture
def committed_site(transactional_db, test_database):
    """The starting content, committed, for tests whose code commits or closes database
    connections (a task worker, the live server). The seeded snapshot is put back after
    the test."""
    return test_database.seed_report
