"""Atom feeds of searches (`/projets/flux.atom?<search parameters>`): valid Atom 1.0, newest
first, public content only."""

from datetime import timedelta

import pytest
from django.utils import timezone
from lxml import etree
from wagtail.models import PageViewRestriction

from catalogue.models import ProjectPage
from tests.catalogue.factories import make_project, other_record

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"
FEED = "/projets/flux.atom"


def parse(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    return etree.fromstring(response.content)


def assert_valid_atom(root):
    """The RFC 4287 rules a validator checks first (one per element, required children)."""
    assert root.tag == f"{ATOM}feed"
    for name in ("id", "title", "updated"):
        assert len(root.findall(f"{ATOM}{name}")) == 1, name
    assert root.find(f"{ATOM}author/{ATOM}name") is not None  # entries inherit it
    self_links = [link for link in root.findall(f"{ATOM}link") if link.get("rel") == "self"]
    assert len(self_links) == 1 and self_links[0].get("href").startswith("http")
    ids = []
    for entry in root.findall(f"{ATOM}entry"):
        for name in ("id", "title", "updated"):
            assert len(entry.findall(f"{ATOM}{name}")) == 1, name
        links = [
            link for link in entry.findall(f"{ATOM}link") if link.get("rel") in (None, "alternate")
        ]
        assert links and links[0].get("href").startswith("http")
        ids.append(entry.findtext(f"{ATOM}id"))
        # RFC 3339 timestamps.
        updated = entry.findtext(f"{ATOM}updated")
        assert "T" in updated and (updated.endswith("Z") or "+" in updated[-6:])
    assert len(ids) == len(set(ids))


def titles(root):
    return [e.findtext(f"{ATOM}title") for e in root.findall(f"{ATOM}entry")]


@pytest.fixture
def catalogue(site_tree):
    older = make_project()  # La Cravate Solidaire (emploi), Paris 13e
    ProjectPage.objects.filter(pk=older.pk).update(
        first_published_at=timezone.now() - timedelta(days=3)
    )
    from catalogue.search import indexer

    indexer.index_project(older.pk)
    newer = make_project(other_record())  # Lire et faire lire (éducation), Paris 13e
    lyon = make_project(
        other_record(
            title="Lire à Lyon",
            source_id="lyon",
            postal_code="69001",
            city="Lyon 1er Arrondissement",
            insee_code="69381",
            latitude=45.7676,
            longitude=4.8344,
        )
    )
    return older, newer, lyon


def test_feed_of_all_projects_is_valid_atom_newest_first(client, catalogue):
    older, newer, lyon = catalogue
    root = parse(client.get(FEED))
    assert_valid_atom(root)
    names = titles(root)
    assert set(names) == {older.title, newer.title, lyon.title}
    assert names[-1] == older.title  # published three days earlier
    entry = root.find(f"{ATOM}entry")
    assert entry.find(f"{ATOM}link").get("href").endswith("/projets/" + lyon.slug + "/")


def test_feed_follows_the_search_parameters(client, catalogue):
    older, newer, lyon = catalogue
    assert titles(parse(client.get(FEED + "?q=lire"))) == [lyon.title, newer.title]
    boxed = parse(client.get(FEED + "?q=lire&bbox=2.2,48.8,2.5,48.9&page=2"))
    assert titles(boxed) == [newer.title]
    assert_valid_atom(boxed)
    self_link = [link for link in boxed.findall(f"{ATOM}link") if link.get("rel") == "self"][0]
    assert "bbox=" in self_link.get("href") and "page=" not in self_link.get("href")
    alternate = [link for link in boxed.findall(f"{ATOM}link") if link.get("rel") == "alternate"][0]
    assert "/projets/?" in alternate.get("href") and "q=lire" in alternate.get("href")


def test_feed_never_shows_unpublished_or_restricted_projects(client, catalogue):
    older, newer, lyon = catalogue
    newer.unpublish()
    PageViewRestriction.objects.create(page=lyon, restriction_type="login")
    root = parse(client.get(FEED))
    assert titles(root) == [older.title]


def test_results_page_links_its_feed_and_save_button(client, catalogue):
    html = client.get("/projets/?q=lire&page=1").content.decode()
    assert 'rel="alternate" type="application/atom+xml"' in html
    assert 'href="/projets/flux.atom?q=lire"' in html
    assert 'href="/recherches/enregistrer/?q=lire"' in html


def test_empty_search_feed_is_still_valid(client, site_tree):
    root = parse(client.get(FEED + "?q=zzzzzz"))
    assert_valid_atom(root)
    assert titles(root) == []


def test_feed_gives_text_to_readers_and_survives_control_characters(client, catalogue):
    """Summaries are plain text (`type="text"`): a reader never renders a partner's markup;
    a control character (stored before the sanitiser, or typed in `?q=`) is dropped, not a 500."""
    from tests.hostile import ALL_PAYLOADS, MARK

    older, _newer, _lyon = catalogue
    ProjectPage.objects.filter(pk=older.pk).update(
        summary="Résumé\x01 " + ALL_PAYLOADS, city="Paris\x0b <img src=x onerror=alert(1)>"
    )
    response = client.get(FEED)
    root = parse(response)
    assert_valid_atom(root)
    summaries = [s for s in root.iter(f"{ATOM}summary") if MARK in (s.text or "")]
    assert len(summaries) == 1 and summaries[0].get("type") == "text"
    assert "\x01" not in summaries[0].text and "Résumé " in summaries[0].text
    assert not [s for s in root.iter(f"{ATOM}summary") if s.get("type") != "text"]
    # Every text construct of the feed is text (Atom's default when `type` is absent).
    for element in root.iter(*(f"{ATOM}{n}" for n in ("title", "subtitle", "summary", "content"))):
        assert element.get("type") in (None, "text"), element.tag
    for query in ("?q=%01", "?q=a%0Bb&ville=%1F", "?q=%C2%85"):
        assert_valid_atom(parse(client.get(FEED + query)))
