"""Rows that share a key in one run: a conflict, kept apart and reported, not an update; a
composite key named in the configuration (columns, or the row's list and number). Tested on a
ragged CSV export whose id column restarts: several lists concatenated (issue 12)."""

from __future__ import annotations

import pytest

from catalogue import services
from catalogue.models import ProjectPage, ProjectSource
from importers.crawl.config import config_from_dict
from importers.harvest import run_source
from importers.models import Source

# Three networks' lists pasted one after the other, each numbered from 1; rows are ragged
# (trailing empty cells dropped by the exporting tool, an extra cell on one row); the last row
# repeats the one before it word for word.
RAGGED = """id;réseau;nom;ville;site
1;Nord;Atelier vélo;Lille;https://velo.example.org
2;Nord;Repair café;Roubaix
3;Nord;Jardin partagé;Tourcoing;https://jardin.example.org;en trop
1;Sud;Épicerie solidaire;Nîmes;https://epicerie.example.org
2;Sud;Ressourcerie;Arles
1;Ouest;Tiers-lieu;Rennes;https://tl.example.org
2;Ouest;Cantine;Brest
2;Ouest;Cantine;Brest
"""
TITLES = {
    "Atelier vélo", "Repair café", "Jardin partagé", "Épicerie solidaire", "Ressourcerie",
    "Tiers-lieu", "Cantine",
}  # fmt: skip


def source(tmp_path, key=None) -> Source:
    path = tmp_path / "reseaux.csv"
    path.write_text(RAGGED, encoding="utf-8")
    config = {
        "path": str(path),
        "fields": {
            "id": "id",
            "titre": "nom",
            "ville": "ville",
            "site": "site",
            "réseau": "réseau",
        },
    }
    if key:
        config["key"] = key
    return Source.objects.create(name="Réseaux", kind="csv", config=config)


def keys():
    return sorted(
        ProjectSource.objects.filter(source_key="Réseaux").values_list("source_id", flat=True)
    )


@pytest.mark.django_db
def test_a_restarting_id_is_a_conflict_kept_apart_and_reported(tmp_path):
    services.ensure_site_tree()
    src = source(tmp_path)
    run = run_source(src)
    assert set(ProjectPage.objects.values_list("title", flat=True)) == TITLES
    assert run.created == 7 and ProjectPage.objects.count() == 7, run.message
    assert keys() == ["1", "1#2", "1#3", "2", "2#2", "2#3", "3"]
    conflicts = run.errors.filter(kind="conflict")
    assert conflicts.count() == 4
    first = conflicts.first()
    assert first.severity == "warning" and first.title.startswith("1")
    assert "Clé « 1 » déjà vue dans cette collecte (ligne 2)" in first.reason
    assert "celle-ci sous « 1#2 »" in first.reason
    (same,) = run.errors.filter(kind="duplicate")
    assert "Identique à la fiche « 2#3 » (ligne 8)" in same.reason
    assert run.diagnostics["keys"] == {"conflicts": 4, "duplicates": 1}
    assert "4 conflit(s) de clé" in run.message
    assert ProjectPage.objects.get(title="Ressourcerie").sources.get().source_id == "2#2"

    again = run_source(src)  # the same file: the same keys, nothing new, nothing replaced
    assert (again.created, again.updated, again.unchanged) == (0, 0, 7), again.message
    assert ProjectPage.objects.count() == 7
    assert ProjectPage.objects.get(title="Ressourcerie").sources.get().source_id == "2#2"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "key, expected",
    [
        (["@list", "id"], ["1|1", "1|2", "1|3", "2|1", "2|2", "3|1", "3|2"]),
        (["réseau", "id"], ["Nord|1", "Nord|2", "Nord|3", "Ouest|1", "Ouest|2", "Sud|1", "Sud|2"]),
    ],
)
def test_a_composite_key_names_each_row(tmp_path, key, expected):
    services.ensure_site_tree()
    src = source(tmp_path, key)
    run = run_source(src)
    assert run.created == 7 and not run.errors.filter(kind="conflict").exists(), run.message
    assert keys() == expected
    assert run.errors.filter(kind="duplicate").count() == 1  # the repeated last row
    again = run_source(src)
    assert (again.created, again.unchanged) == (0, 7), again.message
    page = ProjectPage.objects.get(title="Ressourcerie")
    assert page.sources.get().source_id == expected[6 if key[0] == "réseau" else 4]


def test_key_configuration_is_checked():
    def problems(key):
        return config_from_dict(
            {
                "kind": "csv",
                "url": "https://a.example.org/x.csv",
                "fields": {"id": "ID"},
                "key": key,
            }
        ).validate()

    assert problems(["@list", "id"]) == []
    assert problems(["@list"]) == [
        "« key » : « @list » seul ne distingue pas les fiches d'une liste."
    ]
    assert problems(["@rang"]) == ["« key » : « @rang » inconnu (possibles : @list, @position)."]
    assert problems(["nom"]) == ["« key » : le champ « nom » n'est pas configuré."]
    assert problems("id") == [
        "« key » : une liste de champs (et « @list », « @position ») attendue."
    ]
