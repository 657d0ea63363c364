"""Similar projects ("Projets similaires") and the project page's territory links, on real
records (FFE + Apriles slice): shared codes, nearby first, nothing private, bad ids."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup

from catalogue.geography import distance_km
from catalogue.models import ProjectPage
from catalogue.search.similar import NEAR_KM, similar_projects
from catalogue.territories import geo
from tests.catalogue.small_catalogue import catalogue_slice_fixture  # noqa: F401

pytestmark = pytest.mark.django_db


def _public():
    return ProjectPage.objects.live().public()


def _with_codes():
    return [p for p in _public().filter(latitude__isnull=False).order_by("pk") if p.codes.exists()]


def test_similar_projects_share_codes_and_split_near_from_elsewhere(catalogue_slice):
    checked = 0
    for page in _with_codes()[:15]:
        found = similar_projects(page.pk)
        codes = set(page.codes.values_list("code", flat=True))
        assert page.pk not in found.ids
        assert len(found.ids) == len(set(found.ids))
        for pk, km in found.near + found.elsewhere:
            other = ProjectPage.objects.get(pk=pk)
            shared = codes & set(other.codes.values_list("code", flat=True))
            assert shared, (page.title, other.title)
            if other.latitude is not None:
                real = distance_km(
                    (page.latitude, page.longitude), (other.latitude, other.longitude)
                )
                assert km == pytest.approx(real, abs=0.5)
        assert all(km is not None and km <= NEAR_KM for _pk, km in found.near)
        assert all(km is None or km > NEAR_KM for _pk, km in found.elsewhere)
        checked += bool(found.ids)
    assert checked >= 10


def test_best_candidate_shares_the_most_codes(catalogue_slice):
    page = max(_with_codes(), key=lambda p: p.codes.count())
    codes = set(page.codes.values_list("code", flat=True))
    found = similar_projects(page.pk, per_list=50)
    shared = {
        pk: len(codes & set(ProjectPage.objects.get(pk=pk).codes.values_list("code", flat=True)))
        for pk in found.ids
    }
    for group in (found.near, found.elsewhere):
        if group:
            assert shared[group[0][0]] == max(shared[pk] for pk, _km in group)


def test_private_and_unpublished_never_similar(catalogue_slice):
    hidden = {catalogue_slice.private.pk, catalogue_slice.unpublished.pk}
    for page in _with_codes()[:25]:
        assert not hidden & set(similar_projects(page.pk, per_list=100).ids)
    # Their own pages have no entry: nothing computed for them.
    assert similar_projects(catalogue_slice.private.pk).ids == []
    assert similar_projects(10**9).ids == []


def test_project_page_shows_similar_projects_and_its_territories(catalogue_slice, client):
    page = next(p for p in _with_codes() if p.insee_code and similar_projects(p.pk).ids)
    html = client.get(page.url).content.decode()
    soup = BeautifulSoup(html, "html.parser")
    assert soup.find(id="similar-title").get_text() == "Projets similaires"
    listed = [a["href"] for a in soup.select("[data-similar] a[href]")]
    assert listed
    commune = geo.current_commune(page.insee_code)
    links = {a["data-territory-link"]: a["href"] for a in soup.select("[data-territory-link]")}
    assert links["commune"] == f"/territoires/commune/{commune.code}/"
    assert links["departement"] == f"/territoires/departement/{page.department_code}/"
    assert links["region"] == f"/territoires/region/{page.region_code}/"
    if commune.epci_code:
        assert links["epci"] == f"/territoires/epci/{commune.epci_code}/"
    for href in links.values():
        assert client.get(href).status_code == 200
