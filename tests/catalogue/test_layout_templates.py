"""Shared layout templates rendered by Django: base, partials, project card, error pages."""

import re

import pytest
from django.core.paginator import Paginator
from django.template.loader import render_to_string
from django.test import RequestFactory, override_settings
from django.urls import include, path
from django.views.defaults import server_error
from wagtail_factories import ImageFactory

from catalogue import services
from catalogue.records import ProjectRecord

pytestmark = pytest.mark.django_db

# A URL configuration without allauth, for the "missing routes don't crash" check.
urlpatterns = [path("", include("catalogue.urls"))]


def project_record(**overrides):
    values = dict(
        title="La Cravate Solidaire",
        source_id="22ae7458",
        source_url="https://fondationlafrancesengage.org/projets/la-cravate-solidaire/",
        summary="Collecte de tenues professionnelles pour faciliter le retour à l'emploi.",
        structure_name="La Cravate Solidaire",
        postal_code="28700",
        city="Auneau-Bleury-Saint-Symphorien",
        insee_code="28015",
    )
    values.update(overrides)
    return ProjectRecord(**values)


@pytest.fixture
def project(site_tree):
    partner = services.upsert_partner("La France s'engage")
    return services.upsert_project(project_record(), source_key="ffe", partner=partner).page


def test_404_page_has_the_whole_layout(client):
    response = client.get("/nulle-part/")
    assert response.status_code == 404
    html = response.content.decode()
    assert '<html lang="fr"' in html
    assert '<a class="skip-link" href="#contenu">Aller au contenu</a>' in html
    assert '<main id="contenu"' in html
    for href in ["/projets/", "/actualites/", "/partenaires/", "/api/"]:
        assert f'href="{href}"' in html
    assert "Licence Ouverte 2.0" in html
    assert 'href="/comptes/login/?next=/nulle-part/"' in html
    assert 'href="/comptes/signup/"' in html
    assert 'action="/langue/"' in html
    assert re.search(r'value="fr"[^>]*aria-pressed="true"', html)
    assert "/static/css/carrefour.css" in html and "/static/js/carrefour.js" in html


@override_settings(ROOT_URLCONF=__name__)
def test_layout_survives_missing_account_routes(client):
    response = client.get("/nulle-part/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "Aller au contenu" in html
    assert "Connexion" not in html and "Inscription" not in html
    assert 'action="/langue/"' in html


def test_messages_are_announced(client):
    from django.contrib.auth.models import AnonymousUser
    from django.contrib.messages import constants
    from django.contrib.messages.storage.fallback import FallbackStorage

    request = RequestFactory().get("/")
    request.user = AnonymousUser()
    request.session = client.session
    storage = FallbackStorage(request)
    storage.add(constants.SUCCESS, "Profil enregistré")
    html = render_to_string("404.html", {"messages": storage}, request=request)
    assert re.search(r'<div class="messages container" role="status">', html)
    assert '<li class="message message--success">Profil enregistré</li>' in html


def test_500_page_renders_without_request_or_context_processors():
    response = server_error(RequestFactory().get("/"))
    assert response.status_code == 500
    html = response.content.decode()
    assert "Une erreur est survenue" in html
    assert '<html lang="fr">' in html
    assert "/static/" not in html  # self-contained: nothing that may be missing


def test_project_card_shows_image_badge_place_and_source(project):
    project.image = ImageFactory(file__width=1200, file__height=900)
    project.coup_de_coeur = True
    project.save()
    html = render_to_string(
        "catalogue/includes/project_card.html", {"project": project, "heading_level": 2}
    )
    assert re.search(r'<img [^>]*alt=""[^>]*>', html)
    assert 'width="480"' in html and 'height="270"' in html
    assert f'<h2 class="card__title" lang="fr"><a class="card__link" href="{project.url}">' in html
    assert "Coup de cœur" in html
    assert "Auneau-Bleury-Saint-Symphorien (Eure-et-Loir)" in html
    source = re.search(r'<p class="card__source">(.*?)</p>', html, re.S).group(1)
    assert " ".join(source.split()).startswith(
        "Projet référencé par <a href="
        '"https://fondationlafrancesengage.org/projets/la-cravate-solidaire/">'
        "La France s&#x27;engage</a>"
    )


def test_project_card_without_optional_fields(site_tree):
    page = services.upsert_project(
        project_record(summary="", structure_name="", city="", postal_code="", insee_code=""),
        source_key="ffe",
    ).page
    html = render_to_string("catalogue/includes/project_card.html", {"project": page})
    # No image and no nomenclature code: the generic visual, never an empty box.
    assert re.findall(r"<img [^>]*>", html) == [
        '<img src="/static/img/domains/default.svg" alt="" width="480" height="270" '
        'loading="lazy" data-domain-visual="default">'
    ]
    assert "Coup de cœur" not in html and 'class="card__domain"' not in html
    assert 'class="card__meta"' not in html and 'class="card__summary"' not in html
    assert "<h3" in html


def test_breadcrumbs_follow_page_ancestors(project):
    html = render_to_string("includes/breadcrumbs.html", {"page": project})
    items = re.findall(r"<li>(.*?)</li>", html, re.S)
    assert [re.sub(r"\s+", " ", item).strip() for item in items] == [
        '<a href="/">Accueil</a>',
        '<a href="/projets/">Projets</a>',
        '<span aria-current="page">La Cravate Solidaire</span>',
    ]


def test_pagination_keeps_search_parameters():
    request = RequestFactory().get("/projets/", {"q": "santé", "domaine": "habitat", "page": "3"})
    paginator = Paginator(range(200), 10)
    page_obj = paginator.page(3)
    html = render_to_string(
        "includes/pagination.html",
        {"page_obj": page_obj, "page_range": paginator.get_elided_page_range(3)},
        request=request,
    )
    links = re.findall(r'href="([^"]+)"', html)
    assert "?q=sant%C3%A9&amp;domaine=habitat&amp;page=2" in links  # previous
    assert "?q=sant%C3%A9&amp;domaine=habitat&amp;page=4" in links  # next
    assert "?q=sant%C3%A9&amp;domaine=habitat&amp;page=20" in links  # last
    assert re.search(r'page=3" aria-current="page"', html)
    assert "…" in html


def test_pagination_simple_mode_and_single_page():
    request = RequestFactory().get("/projets/")
    first = Paginator(range(30), 10).page(1)
    html = render_to_string("includes/pagination.html", {"page_obj": first}, request=request)
    assert "Page 1 sur 3" in " ".join(html.split())
    assert 'aria-disabled="true">Page précédente' in html
    assert 'href="?page=2" rel="next"' in html
    only = Paginator(range(5), 10).page(1)
    html = render_to_string("includes/pagination.html", {"page_obj": only}, request=request)
    assert html.strip() == ""
