"""Rendering of the editorial and catalogue pages, through a real request cycle."""

import pytest
from django.test import Client
from wagtail.images.models import Image
from wagtail.images.tests.utils import get_test_image_file

from catalogue import services
from catalogue.models import ArticlePage, HomeFeaturedProject, StandardPage
from catalogue.records import ProjectRecord

pytestmark = pytest.mark.django_db


@pytest.fixture
def projects(site_tree):
    partner = services.upsert_partner("APRILES", website="https://www.apriles.net/")
    pages = []
    for n, (title, city, pc) in enumerate(
        [("Accorderie de Pau", "Pau", "64000"), ("Jardin partagé des Lilas", "Lyon", "69003")]
    ):
        record = ProjectRecord(
            title=title,
            source_id=str(1600 + n),
            postal_code=pc,
            city=city,
            source_url=f"https://www.apriles.net/index.php?sobi2Id={1600 + n}",
            summary=f"{title} : un projet référencé par Apriles.",
            codes=["COH"],
        )
        pages.append(services.upsert_project(record, source_key="Apriles", partner=partner).page)
    return pages


def test_home_page_shows_hero_key_figures_and_featured(site_tree, projects):
    services.set_coup_de_coeur(projects[1], True)
    response = Client().get("/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Les innovations sociales de toute la France" in html
    assert "Jardin partagé des Lilas" in html  # coup de cœur shown by default
    assert "Accorderie de Pau" not in html
    # An editor's explicit selection replaces the default.
    HomeFeaturedProject.objects.create(page=site_tree.home, project=projects[0])
    html = Client().get("/").content.decode()
    assert "Accorderie de Pau" in html
    assert "<strong>2</strong> projets" in html


def test_project_page_names_and_links_its_source(projects):
    response = Client().get(projects[0].url)
    html = response.content.decode().replace("&amp;", "&")
    assert response.status_code == 200
    assert "Projet référencé par" in html
    assert 'href="https://www.apriles.net/index.php?sobi2Id=1600"' in html
    assert "Cohésion sociale" in html
    assert "Pyrénées-Atlantiques" in html


def test_unpublished_project_is_not_served(projects):
    projects[0].unpublish()
    assert Client().get(projects[0].url).status_code == 404


def test_partner_index_counts_projects(projects):
    html = Client().get("/partenaires/").content.decode()
    assert "APRILES" in html
    assert "2 projets" in html


def test_standard_page_renders_every_block(site_tree, projects):
    image = Image.objects.create(title="Photo", file=get_test_image_file())
    projects[1].unpublish()
    page = StandardPage(
        title="Dossier habitat",
        slug="dossier-habitat",
        intro="Un chapeau.",
        body=[
            ("paragraph", "<p>Du <b>texte</b> riche.</p>"),
            ("image", {"image": image, "caption": "Une légende", "attribution": "Crédit"}),
            ("quote", {"text": "Une citation.", "attribution": "Quelqu'un"}),
            (
                "call_to_action",
                {
                    "title": "Agir",
                    "text": "Rejoignez-nous",
                    "link": {"page": site_tree.projects, "url": ""},
                    "button_label": "Voir les projets",
                },
            ),
            ("project_cards", {"title": "Sélection", "projects": projects}),
            (
                "dossier",
                {
                    "title": "Habitat",
                    "intro": "<p>Intro</p>",
                    "projects": projects,
                    "link": {"page": None, "url": "https://www.apriles.net/"},
                },
            ),
        ],
    )
    site_tree.home.add_child(instance=page)
    page.save_revision().publish()
    html = Client().get("/dossier-habitat/").content.decode()
    for expected in (
        "Du <b>texte</b> riche.",
        "Une légende",
        "Une citation.",
        "Voir les projets",
        'href="/projets/"',
        "Sélection",
        "Accorderie de Pau",
        "https://www.apriles.net/",
    ):
        assert expected in html
    # An unpublished project never appears in curated blocks.
    assert "Jardin partagé des Lilas" not in html


def test_news_index_and_article(site_tree):
    article = ArticlePage(title="Lancement", slug="lancement", intro="Le Carrefour ouvre.")
    site_tree.news.add_child(instance=article)
    article.save_revision().publish()
    assert "Lancement" in Client().get("/actualites/").content.decode()
    assert "Le Carrefour ouvre." in Client().get("/actualites/lancement/").content.decode()


def test_french_by_default_even_for_english_browsers(site_tree):
    response = Client().get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert '<html lang="fr"' in response.content.decode()
    client = Client()
    client.cookies["django_language"] = "en"
    assert '<html lang="en"' in client.get("/").content.decode()
