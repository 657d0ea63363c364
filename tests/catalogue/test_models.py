"""Validation rules of project pages and the geolocation fields they derive."""

import pytest
from django.core.exceptions import ValidationError

from catalogue.models import ProjectPage
from catalogue.models.projects import format_point, parse_point
from catalogue.validators import validate_insee_code, validate_postal_code

from .factories import ProjectIndexPageFactory, ProjectPageFactory


@pytest.mark.parametrize("value", ["75013", "01000", "97400", "20000"])
def test_valid_postal_codes(value):
    validate_postal_code(value)


@pytest.mark.parametrize("value", ["7501", "750133", "ABCDE", "00100", "99000", "75 013"])
def test_invalid_postal_codes(value):
    with pytest.raises(ValidationError):
        validate_postal_code(value)


@pytest.mark.parametrize("value", ["75113", "2A004", "2B033", "97411"])
def test_valid_insee_codes(value):
    validate_insee_code(value)


@pytest.mark.parametrize("value", ["2C004", "751", "ABCDE"])
def test_invalid_insee_codes(value):
    with pytest.raises(ValidationError):
        validate_insee_code(value)


def test_point_round_trip_is_longitude_first():
    assert format_point(48.83, 2.36) == "SRID=4326;POINT(2.36 48.83)"
    assert parse_point("SRID=4326;POINT(2.36 48.83)") == (48.83, 2.36)
    assert parse_point("garbage") == (None, None)


@pytest.mark.django_db
class TestProjectPageValidation:
    @pytest.fixture
    def index(self, db):
        return ProjectIndexPageFactory(parent=None)

    def test_territory_derived_from_insee_code(self, index):
        page = ProjectPageFactory(
            parent=index,
            insee_code="69383",
            latitude=None,
            longitude=None,
            location="SRID=4326;POINT(4.85 45.76)",
        )
        page.refresh_from_db()
        assert (page.latitude, page.longitude) == (45.76, 4.85)
        assert page.department_code == "69"
        assert page.department_name == "Rhône"
        assert page.region_name == "Auvergne-Rhône-Alpes"

    @pytest.mark.parametrize(
        "field,value",
        [
            ("website", "javascript:alert(1)"),
            ("website", "ftp://example.org/file"),
            ("facebook_url", "data:text/html,<script>alert(1)</script>"),
            ("postal_code", "7501"),
            ("insee_code", "XX123"),
            ("start_year", 1200),
            ("location", "SRID=4326;POINT(200 95)"),
            ("location", "not a point"),
            ("contact_email", "pas-un-courriel"),
        ],
    )
    def test_bad_values_are_refused_with_a_clear_error(self, index, field, value):
        page = ProjectPage(title="Projet", slug="projet", **{field: value})
        with pytest.raises(ValidationError) as error:
            index.add_child(instance=page)
        assert field in error.value.message_dict
        assert not ProjectPage.objects.filter(slug="projet").exists()

    def test_http_and_https_urls_are_accepted(self, index):
        page = ProjectPageFactory(
            parent=index,
            website="https://lacravatesolidaire.org/",
            twitter_url="http://twitter.com/lacravatesolidr",
        )
        assert page.pk
