import pytest

from fascia.website.seed import load_site_content


@pytest.fixture
def site(db):
    """The starting content, loaded as `make run` loads it."""
    return load_site_content()
