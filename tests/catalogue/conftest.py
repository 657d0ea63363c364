import pytest

from catalogue import services


@pytest.fixture
def site_tree(db):
    """The real site tree, built by the same service as `load_sample_data`."""
    return services.ensure_site_tree()


# Real FFE + Apriles records for the search tests (module-scoped, rolled back afterwards).
from tests.catalogue.search_data import real_catalogue  # noqa: E402, F401
