"""French order wherever a list is sorted, and page addresses without accents."""

import csv
import re

import pytest
from django.conf import settings
from django.test import override_settings
from wagtail.contrib.redirects.models import Redirect

from catalogue import services
from catalogue.collation import Collated, sorted_french
from catalogue.geography import REGIONS
from catalogue.models import NomenclatureCode, StandardPage
from catalogue.records import ProjectRecord
from catalogue.slugs import ascii_slugs

pytestmark = pytest.mark.django_db


def test_french_key_ignores_case_accents_and_ligatures():
    words = ["Zéro", "Éducation", "emploi", "Eau", "Œuvres", "Île-de-France", "ADEME", "Agence"]
    assert sorted_french(words) == [
        "ADEME",
        "Agence",
        "Eau",
        "Éducation",
        "emploi",
        "Île-de-France",
        "Œuvres",
        "Zéro",
    ]


def test_real_names_are_listed_in_french_order(client, site_tree):
    # The 40 codes of the nomenclature (seeded by the migrations), ordered in the database.
    codes = list(
        NomenclatureCode.objects.order_by(Collated("name"), "name").values_list("name", flat=True)
    )
    assert len(codes) == 40 and codes == sorted_french(codes)
    assert codes.index("Déchets") < codes.index("Droits")
    assert codes.index("Économie") < codes.index("Emploi") < codes.index("Finances")
    # A project page lists its themes in that order.
    page = services.upsert_project(
        ProjectRecord(title="Accorderie", source_id="1", codes=["ECO", "EMP", "EDU", "DRO", "DEC"]),
        source_key="Apriles",
    ).page
    shown = [c.name for c in page.codes_in_order]
    assert shown == ["Déchets", "Droits", "Économie", "Éducation", "Emploi"]

    # The real partners of partners.csv on the partners' page ("Agence…" before "ANIMAFAC").
    with open(settings.SHARED_DATA_DIR / "partners.csv", encoding="utf-8") as handle:
        names = [row["name"] for row in csv.DictReader(handle)][:20]
    for name in names:
        services.upsert_partner(name)
    html = client.get("/partenaires/").content.decode()
    shown = re.findall(r'<a class="card__link" href="[^"]+">([^<]+)</a>', html)
    shown = [n.replace("&#x27;", "'").replace("&amp;", "&") for n in shown]
    assert sorted(shown) == sorted(names)
    assert shown == sorted_french(names)

    # The guided search lists regions and codes in French order ("Île-de-France" after "Hauts").
    html = client.get("/projets/guide/").content.decode()
    labels = [c for c in codes if f">{c}<" in html or f"{c}</label>" in html]
    assert labels == sorted_french(labels) and len(labels) > 30
    html = client.get("/projets/guide/?etape=3").content.decode()
    regions = [name for name in sorted_french(REGIONS.values()) if name in html]
    positions = [html.index(name) for name in regions]
    assert positions == sorted(positions) and "Île-de-France" in regions


def test_new_and_old_pages_get_addresses_without_accents(
    client, site_tree, django_capture_on_commit_callbacks
):
    page = StandardPage(title="Éducation populaire")
    site_tree.home.add_child(instance=page)
    assert page.slug == "education-populaire"
    with override_settings(WAGTAIL_ALLOW_UNICODE_SLUGS=True):
        old = StandardPage(title="Égalité femmes-hommes", slug="égalité")
        site_tree.home.add_child(instance=old)
        old.save_revision().publish()
    assert old.slug == "égalité"
    with django_capture_on_commit_callbacks(execute=True):  # the redirect is made on commit
        assert ascii_slugs() == [("/accueil/égalité/", "/accueil/egalite/")]
    old.refresh_from_db()
    assert old.slug == "egalite" and old.latest_revision.content["slug"] == "egalite"
    assert client.get("/egalite/").status_code == 200
    # The old address redirects for good (Wagtail's redirects app).
    assert Redirect.objects.filter(redirect_page=old).exists()
    response = client.get("/%C3%A9galit%C3%A9/")
    assert response.status_code == 301 and response["Location"].endswith("/egalite/")
    assert ascii_slugs() == []


def test_api_docs_render_backticks_as_code(client, site_tree):
    html = client.get("/api/").content.decode()
    assert "paramètre <code>structure</code>" in html
    assert "`" not in html[html.index("<main") : html.index("</main>")]
