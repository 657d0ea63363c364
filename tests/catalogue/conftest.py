import pytest

from catalogue import services


@pytest.fixture
def site_tree(db):
    """The real site tree, built by the same service as `load_sample_data`."""
    return services.ensure_site_tree()
