"""Personas for the enquiry tests: staff, a signed-in non-staff user, and the clinics."""

import pytest

from fascia.website.models import ClinicPage
from fascia.website.seed import load_site_content

from .factories import UserFactory


@pytest.fixture
def site(db):
    """The starting content, loaded as `make run` loads it (two clinics among it)."""
    return load_site_content()


@pytest.fixture
def committed_site(transactional_db, migrated_database, database_snapshots):
    """The starting content, committed, for tests whose code closes database connections.

    The database is first put back as the migrations left it: an earlier transactional
    test empties it.
    """
    from django.db import connection

    database_snapshots.restore(connection, migrated_database)
    return load_site_content()


@pytest.fixture
def bangalore(site):
    return ClinicPage.objects.get(city="Bangalore")


@pytest.fixture
def hyderabad(site):
    return ClinicPage.objects.get(city="Hyderabad")


@pytest.fixture
def priya(db):
    """Front desk at the Bangalore clinic: staff, calls back every new enquiry."""
    return UserFactory(username="priya", first_name="Priya", last_name="Rao", is_staff=True)


@pytest.fixture
def neha(db):
    """Content editor: signed in, but not staff, so the inbox is not for her."""
    return UserFactory(username="neha", first_name="Neha", last_name="Iyer", is_staff=False)


@pytest.fixture
def staff_client(client, priya):
    client.force_login(priya)
    return client


@pytest.fixture
def outsider_client(client, neha):
    client.force_login(neha)
    return client
