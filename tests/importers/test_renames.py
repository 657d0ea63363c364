"""A renamed record updates its page in place (same page, same address), it does not become a
new page beside an old one "no longer listed" (issue 12)."""

from __future__ import annotations

import pytest

from catalogue import services
from catalogue.models import ProjectPage, ProjectSource
from importers.harvest import run_source
from importers.models import Source

ROWS = [
    ("Atelier vélo", "https://velo.example.org", "velo@example.org", "59000", "Réparer ensemble."),
    ("Repair café", "", "repair@example.org", "59100", "Objets réparés le samedi."),
    ("Jardin partagé", "https://jardin.example.org", "", "59200", "Cultiver en ville."),
]


def write(path, rows):
    lines = ["nom;site;courriel;code postal;résumé"] + [";".join(r) for r in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


@pytest.mark.django_db
def test_a_renamed_record_updates_its_page_in_place(tmp_path):
    services.ensure_site_tree()
    path = tmp_path / "lieux.csv"
    write(path, ROWS)
    fields = {"titre": "nom", "site": "site", "courriel": "courriel",
              "code postal": "code postal", "résumé": "résumé"}  # fmt: skip
    # No id column: each record is keyed by its title.
    source = Source.objects.create(
        name="Lieux", kind="csv", config={"path": str(path), "fields": fields}
    )
    first = run_source(source)
    assert first.created == 3, first.message
    velo = ProjectPage.objects.get(title="Atelier vélo")
    address = velo.url_path

    renamed = list(ROWS)
    renamed[0] = ("L'atelier vélo solidaire", *ROWS[0][1:])  # same site, e-mail, place
    renamed[2] = ("Ferme urbaine", "https://ferme.example.org", "", "75011", "Autre chose.")
    write(path, renamed)
    run = run_source(source)
    assert (run.created, run.updated, run.unchanged) == (1, 1, 1), run.message
    velo.refresh_from_db()
    assert velo.title == "L'atelier vélo solidaire" and velo.url_path == address
    assert velo.sources.get().source_id == "titre:l atelier velo solidaire"
    assert run.diagnostics["renamed"] == [
        {"before": "Atelier vélo", "after": "L'atelier vélo solidaire"}
    ]
    assert "1 fiche(s) renommée(s)" in run.message
    # The garden is gone and the farm is another record: no rename between them.
    assert ProjectPage.objects.count() == 4
    garden = ProjectSource.objects.get(source_key="Lieux", project__title="Jardin partagé")
    assert garden.missed_runs == 1 and garden.source_id == "titre:jardin partage"

    again = run_source(source)  # the renamed record is now known by its new key
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3), again.message
    assert ProjectPage.objects.count() == 4
