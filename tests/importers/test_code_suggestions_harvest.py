"""Suggested codes from the first run of an unseen source, and an editor's confirmation."""

from __future__ import annotations

import csv

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalogue import services
from catalogue.models import ProjectPage, SuggestedCode
from importers.harvest import run_source
from importers.models import Source, UnknownTag

ROWS = [
    ("1", "La Ruche", "Tiers lieux à dominante coworking", "Un lieu partagé à Nantes."),
    ("2", "Le Garage", "Tiers lieux à dominante coworking", "Bureaux et café."),
    ("3", "Atelier Vélo", "Réparation et recyclage de vélos", "Un atelier associatif."),
    ("4", "Chantier Bois", "", "Un chantier d'insertion professionnelle pour les jeunes."),
    ("5", "Sans rien", "", "Un lieu."),
]


def unseen_source(tmp_path, rows=ROWS, name="Annuaire inconnu") -> Source:
    path = tmp_path / f"{len(rows)}.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["ID", "NOM", "TYPO", "DESC"])
        writer.writerows(rows)
    fields = {"id": "ID", "titre": "NOM", "tags": "TYPO", "description": "DESC"}
    return Source.objects.create(
        name=name, kind="csv", config={"path": str(path), "fields": fields}
    )


def suggested(title):
    page = ProjectPage.objects.get(title=title)
    return {s.code.code: s for s in SuggestedCode.objects.filter(project=page)}


@pytest.mark.django_db
def test_first_run_suggests_codes_with_their_reasons(tmp_path):
    services.ensure_site_tree()
    source = unseen_source(tmp_path)
    run = run_source(source)
    assert (run.status, run.created) == ("success", 5)
    ruche = suggested("La Ruche")
    assert {"EMP", "HAB"} <= set(ruche)
    emp = ruche["EMP"]
    assert emp.keyword == "Tiers lieux à dominante coworking"
    assert emp.source_key == "Annuaire inconnu"
    assert {
        "how": "part",
        "kind": "mapping",
        "text": "Coworking",
        "origin": "Semeoz",
    } in emp.reasons
    assert "DEC" in suggested("Atelier Vélo")
    # No keyword: from the title and description, said so.
    chantier = suggested("Chantier Bois")
    assert "INS" in chantier and chantier["INS"].keyword == ""
    assert chantier["INS"].reasons[0]["how"] == "text"
    assert suggested("Sans rien") == {}
    # The rows of one file are counted as pages, not as one URL.
    unknown = UnknownTag.objects.get(source=source, tag_key="tiers lieux a dominante coworking")
    assert unknown.occurrences == 2
    # Suggestions are not confirmed codes.
    assert not ProjectPage.objects.get(title="La Ruche").codes.exists()
    # A second run replaces, never piles up.
    run_source(source)
    assert SuggestedCode.objects.filter(project__title="La Ruche").count() == len(ruche)


@pytest.mark.django_db
def test_suggestions_cost_no_query_per_record(tmp_path):
    services.ensure_site_tree()
    small = unseen_source(tmp_path, ROWS[:2])
    with CaptureQueriesContext(connection) as few:
        run_source(small)
    rows = [(str(n), f"Lieu {n}", "Tiers lieux à dominante coworking", "") for n in range(40)]
    big = unseen_source(tmp_path, rows, name="Grand annuaire")
    with CaptureQueriesContext(connection) as many:
        run_source(big)
    suggestion_queries = [q for q in many.captured_queries if "catalogue_suggestedcode" in q["sql"]]
    assert SuggestedCode.objects.filter(source_key="Grand annuaire").count() >= 80
    # Per batch (one here, for 40 records): a read of other sources' suggestions of these
    # pages, one delete and one insert, and the facet rows' queries; never one per record.
    assert len(suggestion_queries) <= 5
    assert few.final_queries  # (the small run did query: the context works)


@pytest.mark.django_db
def test_confirming_adds_the_codes_as_a_revision_and_settles_the_suggestion(tmp_path):
    services.ensure_site_tree()
    run_source(unseen_source(tmp_path))
    pages = services.pages_with_keyword("Annuaire inconnu", "tiers lieux a dominante coworking")
    assert len(pages) == 2
    counts = services.confirm_codes(pages, ["EMP", "ECO"])
    assert counts == {"coded": 2, "unchanged": 0, "curated": 0}
    ruche = ProjectPage.objects.get(title="La Ruche")
    assert {c.code for c in ruche.codes.all()} == {"EMP", "ECO"}
    assert ruche.live and not ruche.has_unpublished_changes
    assert "EMP" not in suggested("La Ruche") and "HAB" in suggested("La Ruche")
    assert services.confirm_codes(pages, ["EMP"])["unchanged"] == 2


@pytest.mark.django_db
def test_suggested_codes_are_a_facet_and_show_on_the_page_as_suggestions(tmp_path, client):
    from catalogue.search import SearchQuery, matching_entries
    from catalogue.search.engine import facet_counts
    from catalogue.search.indexer import rebuild

    services.ensure_site_tree()
    run_source(unseen_source(tmp_path))

    def found(**params):
        query = SearchQuery.from_params(params)
        return set(matching_entries(query).values_list("title", flat=True))

    assert found(suggere="emp") == {"La Ruche", "Le Garage"}
    assert found(code="EMP") == set()  # suggested is not confirmed
    assert facet_counts(SearchQuery.from_params({}))["suggere"]["EMP"] == 2
    before = found(suggere="INS")
    rebuild()  # the full rebuild gives the same facet as the harvest's incremental upkeep
    assert found(suggere="INS") == before == {"Chantier Bois"}

    ruche = ProjectPage.objects.get(title="La Ruche")
    html = client.get(ruche.url).content.decode()
    assert "Thématiques suggérées, pas encore confirmées" in html
    assert 'badge--suggested">Emploi<' in html

    services.confirm_codes([ruche.pk], ["EMP"])
    assert found(suggere="EMP") == {"Le Garage"} and found(code="EMP") == {"La Ruche"}
    html = client.get(ruche.url).content.decode()
    assert 'badge--suggested">Emploi<' not in html
