"""/sitemap.xml (index, paginated sections) and /robots.txt: every public page, nothing private."""

from urllib.parse import urlsplit

import pytest
from django.core.cache import caches
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils.timezone import localtime
from lxml import etree
from wagtail.models import Page, PageViewRestriction

from catalogue import services
from catalogue.sitemaps import PageSitemap
from community.models import Space
from tests.catalogue.factories import ProjectPageFactory
from tests.community.factories import DiscussionFactory, SpaceFactory

pytestmark = pytest.mark.django_db

NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}


def _get(client, url):
    parts = urlsplit(url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    response = client.get(path)
    assert response.status_code == 200, url
    return etree.fromstring(response.content)


def crawl(client=None):
    """Every <url> of every section page listed by the index: {path: lastmod or None}."""
    client = client or Client()
    index = _get(client, "/sitemap.xml")
    assert index.tag == f"{{{NS['s']}}}sitemapindex"
    urls = {}
    for loc in index.xpath("//s:sitemap/s:loc/text()", namespaces=NS):
        for url in _get(client, loc).xpath("//s:url", namespaces=NS):
            path = urlsplit(url.findtext("s:loc", namespaces=NS)).path
            assert path not in urls, f"{path} listed twice"
            urls[path] = url.findtext("s:lastmod", namespaces=NS)
    return urls


@pytest.fixture
def catalogue(site_tree):
    index = site_tree.projects
    public = [ProjectPageFactory(parent=index) for _ in range(3)]
    for page in public:
        page.save_revision().publish()  # as every real page: a publication date
    draft = ProjectPageFactory(parent=index, title="Brouillon jamais publié", live=False)
    withdrawn = ProjectPageFactory(parent=index, title="Retirée")
    withdrawn.unpublish()
    restricted = ProjectPageFactory(parent=index, title="Réservée aux connectés")
    PageViewRestriction.objects.create(page=restricted, restriction_type="login")
    duplicate = ProjectPageFactory(parent=index, title="Doublon")
    services.merge_projects(duplicate, public[0])
    open_space = SpaceFactory(name="Ouvert")
    closed_space = SpaceFactory(name="Fermé", visibility=Space.Visibility.PRIVATE)
    return {
        "public": public,
        "hidden": [draft, withdrawn, restricted, duplicate],
        "open_discussion": DiscussionFactory(space=open_space),
        "closed_discussion": DiscussionFactory(space=closed_space),
        "open_space": open_space,
        "closed_space": closed_space,
    }


def test_sitemap_lists_every_public_page_and_nothing_private(catalogue, site_tree):
    urls = crawl()
    for page in catalogue["public"]:
        page.refresh_from_db()
        assert page.url in urls
        assert urls[page.url].startswith(localtime(page.last_published_at).date().isoformat())
    for page in catalogue["hidden"]:
        assert page.url not in urls
    expected = {
        p.url for p in Page.objects.descendant_of(site_tree.home, inclusive=True).live().public()
    }
    assert expected <= set(urls)
    assert {"/", "/projets/", "/carte/", "/statistiques/", "/api/", "/espaces/"} <= set(urls)
    assert catalogue["open_space"].get_absolute_url() in urls
    assert catalogue["open_discussion"].get_absolute_url() in urls
    assert catalogue["closed_space"].get_absolute_url() not in urls
    assert catalogue["closed_discussion"].get_absolute_url() not in urls
    assert not [u for u in urls if u.startswith(("/admin", "/comptes", "/compte/"))]


def test_sections_are_paginated_at_constant_cost(catalogue, monkeypatch):
    whole = crawl()
    monkeypatch.setattr(PageSitemap, "limit", 2)
    caches["pages"].clear()  # anonymous responses are cached per data version
    index = _get(Client(), "/sitemap.xml")
    locs = index.xpath("//s:sitemap/s:loc/text()", namespaces=NS)
    pages = [loc for loc in locs if "sitemap-pages.xml" in loc]
    public_count = len([u for u in whole if u not in ("/carte/", "/statistiques/", "/api/")])
    assert len(pages) > 2 and any(loc.endswith("?p=2") for loc in pages)
    assert crawl() == whole  # the pages together list the same URLs
    # Each section page costs the same few queries whatever the number of pages listed.
    caches["pages"].clear()
    with CaptureQueriesContext(connection) as small:
        _get(Client(), pages[-1])
    monkeypatch.setattr(PageSitemap, "limit", 5000)
    caches["pages"].clear()
    with CaptureQueriesContext(connection) as large:
        _get(Client(), pages[0].split("?")[0])
    assert len(small) > 0 and len(large) <= len(small)
    assert public_count > 5


def test_robots_txt_points_at_the_sitemap():
    response = Client().get("/robots.txt")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    lines = response.content.decode().splitlines()
    assert "Sitemap: http://testserver/sitemap.xml" in lines
    for path in ("/admin/", "/django-admin/", "/comptes/", "/compte/", "/*?*q="):
        assert f"Disallow: {path}" in lines
    assert "Disallow: /" not in lines  # the site itself stays open


def test_territories_with_public_projects_are_listed_with_their_date(site_tree):
    """Real records: a laureate in Paris 13e lists its commune, EPCI, department and region,
    dated by its publication; a view-restricted project in Nantes lists nothing of Nantes."""
    from catalogue.territories import geo
    from tests.catalogue.factories import ffe_record, make_project

    page = make_project()  # La Cravate Solidaire, INSEE 75113
    secret = make_project(
        ffe_record(
            title="Atelier réservé",
            source_id="reserve-nantes",
            website="",
            postal_code="44000",
            city="Nantes",
            insee_code="44109",
            latitude=47.2184,
            longitude=-1.5536,
        )
    )
    PageViewRestriction.objects.create(page=secret, restriction_type="login")
    caches["pages"].clear()
    urls = crawl()
    page.refresh_from_db()
    paris = geo.current_commune("75113")
    day = localtime(page.last_published_at).date().isoformat()
    expected = [
        f"/territoires/region/{paris.region_codes[0]}/",
        "/territoires/departement/75/",
        f"/territoires/epci/{paris.epci_code}/",
        f"/territoires/commune/{paris.code}/",
    ]
    for path in expected:
        assert path in urls and urls[path].startswith(day), path
    assert "/territoires/" in urls
    listed = {u for u in urls if u.startswith("/territoires/") and u != "/territoires/"}
    assert listed == set(expected)  # nothing of Nantes (the restricted page), nothing empty
    nantes = geo.current_commune("44109")
    assert f"/territoires/commune/{nantes.code}/" not in urls
