"""Fixtures for the enquiry tests; the people and clinics are the shared personas.

The site (`site`, `committed_site`) comes from the root conftest.py: loaded once per session.
"""

import pytest


@pytest.fixture
def staff_client(client, farah):
    """The inbox as the manager of both clinics sees it: every enquiry."""
    client.force_login(farah)
    return client


@pytest.fixture
def outsider_client(client, neha):
    client.force_login(neha)
    return client
