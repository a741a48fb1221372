"""Fixtures for the enquiry tests; the people and clinics are the shared personas.

The site (`site`, `committed_site`) comes from the root conftest.py: loaded once per session.
"""

import pytest

from fascia.tests.personas import signed_in


@pytest.fixture
def staff_client(client, farah):
    """The inbox as the manager of both clinics sees it: every enquiry."""
    return signed_in(client, farah)


@pytest.fixture
def outsider_client(client, neha):
    return signed_in(client, neha)
