"""French by default, English on request: the language choice, the catalogues, the layout's strings.

The interface is written in French (the msgids are French); `locale/en` translates it. Only the
language cookie set by the switcher (Django's `set_language`) turns English on: a browser asking
for English through Accept-Language still gets French.
"""

import gettext
import importlib.util
import re
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.utils import translation

from catalogue import services
from catalogue.records import ProjectRecord

pytestmark = pytest.mark.django_db

ROOT = Path(settings.BASE_DIR)
TEMPLATES = ROOT / "templates"
ENGLISH_NAV = ["Projects", "Map", "News", "Partners", "About"]
FRENCH_NAV = ["Projets", "Carte", "Actualités", "Partenaires", "À propos"]


def load_po_fill():
    if "po_fill" not in sys.modules:  # dataclasses need the module registered while it loads
        spec = importlib.util.spec_from_file_location("po_fill", ROOT / "bin" / "po_fill.py")
        sys.modules["po_fill"] = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(sys.modules["po_fill"])
    return sys.modules["po_fill"]


@pytest.fixture
def project(site_tree):
    partner = services.upsert_partner("La France s'engage")
    record = ProjectRecord(
        title="La Cravate Solidaire",
        source_id="22ae7458-3f1e-52fe-9982-6b1287bf30d2",
        source_url="https://fondationlafrancesengage.org/projets/la-cravate-solidaire/",
        summary="Collecte de tenues professionnelles pour faciliter le retour à l'emploi.",
        description="La Cravate Solidaire collecte des tenues professionnelles.",
        structure_name="La Cravate Solidaire",
        structure_kind="association",
        postal_code="28700",
        city="Auneau-Bleury-Saint-Symphorien",
        insee_code="28015",
        codes=["EMP", "INS"],
    )
    return services.upsert_project(record, source_key="ffe", partner=partner).page


def english_client():
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def nav_labels(html):
    nav = re.search(r'<nav class="main-nav".*?</nav>', html, flags=re.S).group(0)
    return [re.sub(r"\s+", " ", label).strip() for label in re.findall(r">([^<>]+)</a>", nav)]


def assert_nav(html, language):
    """The main navigation is all in `language` (other sections may be added to it)."""
    labels = nav_labels(html)
    expected, other = (ENGLISH_NAV, FRENCH_NAV) if language == "en" else (FRENCH_NAV, ENGLISH_NAV)
    assert [label for label in labels if label in expected] == expected, labels
    assert not set(labels) & set(other), labels


def test_english_cookie_translates_the_home_page(project):
    response = english_client().get("/")
    html = response.content.decode()
    assert response["Content-Language"] == "en"
    assert '<html lang="en"' in html
    assert_nav(html, "en")
    for text in [
        ">Skip to content</a>",
        'aria-label="Main navigation"',
        '<label for="hero-q">Search for a social innovation</label>',
        'placeholder="e.g. inclusive housing seniors"',
        ">Log in</a>",
        ">Sign up</a>",
        "Open data (API)",
        "Open data under the",
        "· Carrefour of social innovations</title>",
    ]:
        assert text in html, text
    for french in [
        "Aller au contenu",
        "Navigation principale",
        "Rechercher une innovation sociale",
    ]:
        assert french not in html
    # The switcher shows each language in its own language and marks the current one.
    assert re.search(r'value="en"[^>]*aria-pressed="true"', html)
    assert re.search(r'value="fr"[^>]*aria-pressed="false"[^>]*>Français<', html)


def test_english_cookie_translates_the_project_list(project):
    html = english_client().get("/projets/", {"domaine": "domains_employment"}).content.decode()
    assert '<html lang="en"' in html
    assert_nav(html, "en")
    assert 'aria-current="page">Projects</a>' in html
    for text in [
        "Refine",
        "Apply the filters",
        "Sort by",
        "Title (A → Z)",
        "<legend>Fields</legend>",
        "Fields: ",
        "Active filters",
        "Clear all",
        "1 project",
        'placeholder="E.g. inclusive housing, health, mobility…"',
    ]:
        assert text in html, text
    for french in ["Affiner", "Trier par", "Appliquer les filtres", "Filtres actifs"]:
        assert french not in html
    # Content stays as written: project titles and summaries are not interface strings.
    assert "La Cravate Solidaire" in html


@pytest.mark.parametrize("path", ["/", "/projets/"])
def test_french_without_the_cookie_even_for_an_english_browser(project, path):
    response = Client().get(path, HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.9")
    html = response.content.decode()
    assert response["Content-Language"] == "fr"
    assert "Cookie" in response["Vary"]
    assert '<html lang="fr"' in html
    assert_nav(html, "fr")
    assert ">Aller au contenu</a>" in html
    assert "Skip to content" not in html and "Main navigation" not in html


def test_an_unknown_cookie_value_falls_back_to_french(site_tree):
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "de"
    html = client.get("/").content.decode()
    assert '<html lang="fr"' in html
    assert_nav(html, "fr")


def test_the_switcher_sets_the_cookie_and_returns_to_the_page(project):
    client = Client()
    response = client.get("/langue/", {"language": "en", "next": "/projets/?q=emploi"})
    assert response.status_code == 302
    assert response["Location"] == "/projets/?q=emploi"
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    assert_nav(client.get("/projets/").content.decode(), "en")

    client.get("/langue/", {"language": "fr", "next": "/"})
    assert_nav(client.get("/").content.decode(), "fr")


def test_french_content_is_marked_french_in_an_english_interface(project):
    """WCAG 3.1.2: screen readers switch voice for the French titles and texts of the catalogue."""
    client = english_client()
    project_html = client.get(project.url).content.decode()
    assert '<html lang="en"' in project_html
    assert '<h1 id="project-title" lang="fr">La Cravate Solidaire</h1>' in project_html
    assert '<p class="lead" lang="fr">Collecte de tenues' in project_html
    assert ">The project</h2>" in project_html  # the heading is interface, the text content
    assert '<div class="prose" lang="fr"><p>La Cravate Solidaire collecte' in project_html
    list_html = client.get("/projets/").content.decode()
    assert re.search(
        r'class="card__title" lang="fr"><a class="card__link"[^>]*>La Cravate', list_html
    )
    assert 'class="card__summary" lang="fr">Collecte de tenues' in list_html
    home_html = client.get("/").content.decode()
    assert '<h1 id="hero-title" lang="fr">' in home_html


def test_error_pages_follow_the_chosen_language(site_tree):
    response = english_client().get("/nulle-part/")
    html = response.content.decode()
    assert response.status_code == 404
    assert "Page not found" in html and "Page introuvable" not in html


def test_python_strings_and_plurals_are_translated():
    with translation.override("en"):
        from catalogue.search.query import FACETS, SORTS

        assert str(FACETS["domaine"]) == "Fields" and str(SORTS["relevance"]) == "Relevance"
        assert translation.ngettext("%(n)s réponse", "%(n)s réponses", 1) % {"n": 1} == "1 reply"
        assert translation.ngettext("%(n)s réponse", "%(n)s réponses", 3) % {"n": 3} == "3 replies"
        assert translation.gettext("Note") == "Note"
    with translation.override("fr"):
        # The identity French catalogue keeps our French msgids from taking a library's French
        # for an English msgid spelled the same (allauth translates "Note" as "Remarque").
        assert translation.gettext("Note") == "Note"
        assert translation.gettext("active") == "active"
        assert translation.gettext("English") == "Anglais"


@pytest.mark.parametrize("language", ["en", "fr"])
def test_catalogue_is_complete_and_compiled(language):
    """Every entry translated, none fuzzy, placeholders kept, and the committed .mo in step."""
    po_fill = load_po_fill()
    po_path = ROOT / "locale" / language / "LC_MESSAGES" / "django.po"
    entries = [e for e in po_fill.parse(po_path.read_text(encoding="utf-8")) if not e.obsolete]
    assert len(entries) > 500
    problems = []
    for entry in entries[1:]:
        if "fuzzy" in entry.flags or not all(entry.msgstr):
            problems.append(f"untranslated or fuzzy: {entry.msgid!r}")
        else:
            problems += po_fill.check(entry, entry.msgstr)
    assert problems == []

    with open(po_path.with_suffix(".mo"), "rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    for entry in entries[1:]:
        if entry.msgid_plural is not None:
            assert compiled.ngettext(entry.msgid, entry.msgid_plural, 1) == entry.msgstr[0]
            assert compiled.ngettext(entry.msgid, entry.msgid_plural, 2) == entry.msgstr[1]
        elif entry.msgctxt is not None:
            assert compiled.pgettext(entry.msgctxt, entry.msgid) == entry.msgstr[0]
        else:
            assert compiled.gettext(entry.msgid) == entry.msgstr[0], "run compilemessages"


# --- Layout templates: no French outside translation tags (a heuristic, not a parser). ---

USER_FACING_ATTRIBUTES = {"aria-label", "title", "placeholder", "alt", "aria-roledescription"}
WORD = re.compile(r"[A-Za-zÀ-ÿ]{2,}")


def literal_text(source):
    """Text and user-facing attribute values left once template tags and translations are removed."""
    text = re.sub(r"{%\s*comment\s*%}.*?{%\s*endcomment\s*%}", " ", source, flags=re.S)
    text = re.sub(r"{#.*?#}", " ", text, flags=re.S)
    text = re.sub(
        r"{%\s*blocktrans(?:late)?\b.*?{%\s*endblocktrans(?:late)?\s*%}", " ", text, flags=re.S
    )
    text = re.sub(r"<(script|style)\b.*?</\1>", " ", text, flags=re.S | re.I)
    text = re.sub(r"{%.*?%}|{{.*?}}", " ", text, flags=re.S)
    found = []
    for tag in re.findall(r"<[^>]*>", text, flags=re.S):
        for name, value in re.findall(r'([\w:-]+)\s*=\s*"([^"]*)"', tag):
            if name.lower() in USER_FACING_ATTRIBUTES and WORD.search(value):
                found.append(f'{name}="{value.strip()}"')
    text = re.sub(r"&[a-z]+;|&#\d+;", " ", re.sub(r"<[^>]*>", "\n", text, flags=re.S))
    found += [line.strip() for line in text.splitlines() if WORD.search(line)]
    return found


def layout_templates():
    return [TEMPLATES / "base.html", *sorted((TEMPLATES / "includes").glob("*.html"))]


def test_the_heuristic_catches_untranslated_text():
    source = (
        '{% load i18n %}<nav aria-label="Menu principal"><a href="/">Accueil</a>'
        '<a title="{% translate \'Ok\' %}">{% translate "Projets" %}</a>{# note #}'
        "{% blocktranslate %}Bonjour {{ name }}{% endblocktranslate %}</nav>"
    )
    assert literal_text(source) == ['aria-label="Menu principal"', "Accueil"]


@pytest.mark.parametrize("template", layout_templates(), ids=lambda path: path.name)
def test_layout_has_no_french_outside_translation_tags(template):
    assert literal_text(template.read_text(encoding="utf-8")) == []


def test_layout_strings_are_in_the_english_catalogue():
    """Each {% translate %} literal of the layout has an English translation in the catalogue."""
    po_fill = load_po_fill()
    po_path = ROOT / "locale" / "en" / "LC_MESSAGES" / "django.po"
    catalogue = {e.msgid: e.msgstr[0] for e in po_fill.parse(po_path.read_text(encoding="utf-8"))}
    missing = []
    for template in layout_templates():
        source = template.read_text(encoding="utf-8")
        for _quote, msgid in re.findall(r"{%\s*translate\s+([\"'])(.*?)\1", source):
            if not catalogue.get(msgid):
                missing.append(f"{template.name}: {msgid}")
    assert missing == []
