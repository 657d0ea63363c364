"""A source's scope rule (configuration key ``scope``, issue 12): records outside France (by
coordinates or a country field) or not to be published (a status field) are refused or flagged,
and reported in the run with their source id and title. A mock partner on 127.0.0.1."""

from __future__ import annotations

import csv
import io

import pytest

from catalogue import services
from catalogue.models import ProjectSource
from importers.crawl.config import ConfigError, config_from_dict
from importers.models import HarvestError, Source

from .harvesting import manage

ROWS = [
    # ref, name, postal code, city, lat, lon, country, status
    ("s1", "Recyclerie de Vaulry", "87140", "VAULRY", "", "", "France", "publié"),
    ("s2", "Fablab de Bruxelles", "", "", "50.8503", "4.3517", "", "publié"),
    ("s3", "Repair café de Liège", "", "Liège", "", "", "Belgique", "Publié"),
    ("s4", "Brouillon de tiers-lieu", "44000", "Nantes", "", "", "FR", "brouillon"),
    ("s5", "Jardin partagé de Limoges", "87000", "Limoges", "45.8336", "1.2611", "", "PUBLIE"),
]
FIELDS = {
    "id": "ref",
    "titre": "nom",
    "code postal": "cp",
    "ville": "ville",
    "latitude": "lat",
    "longitude": "lon",
    "pays": "pays",
    "statut": "statut",
}


def _csv() -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["ref", "nom", "cp", "ville", "lat", "lon", "pays", "statut"])
    writer.writerows(ROWS)
    return out.getvalue().encode("utf-8")


def _source(name: str, url: str, scope: dict) -> Source:
    config = {"url": url, "fields": FIELDS, "scope": scope}
    assert config_from_dict({"kind": "csv", **config}).validate() == []
    return Source.objects.create(name=name, kind="csv", config=config)


def _reported(name: str) -> dict[str, str]:
    errors = HarvestError.objects.filter(run__source__name=name, kind="scope")
    assert {e.severity for e in errors} <= {"warning"}
    return {e.title: e.reason for e in errors}


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_out_of_scope_records_are_refused_or_flagged_and_reported(local_site):
    services.ensure_site_tree()
    url = local_site.route("perimetre/annuaire.csv", _csv(), content_type="text/csv")
    scope = {
        "france_only": True,
        "country_field": "pays",
        "status_field": "statut",
        "status_values": ["publié"],
    }
    _source("Périmètre refusé", url, scope)
    proc = manage("harvest", "Périmètre refusé", "--no-progress")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    kept = set(
        ProjectSource.objects.filter(source_key="Périmètre refusé").values_list(
            "source_id", flat=True
        )
    )
    assert kept == {"s1", "s5"}
    assert _reported("Périmètre refusé") == {
        "s2 — Fablab de Bruxelles": "Fiche refusée, hors du périmètre de la source : "
        "coordonnées hors de France (50.8503, 4.3517).",
        "s3 — Repair café de Liège": "Fiche refusée, hors du périmètre de la source : "
        "pays « Belgique ».",
        "s4 — Brouillon de tiers-lieu": "Fiche refusée, hors du périmètre de la source : "
        "statut « brouillon ».",
    }
    run = Source.objects.get(name="Périmètre refusé").runs.get()
    assert run.status == "success" and run.invalid == 0
    assert run.diagnostics["out_of_scope"] == {"refused": 3, "flagged": 0}

    # "flag": published all the same, listed in the run.
    _source("Périmètre signalé", url, {**scope, "action": "flag"})
    proc = manage("harvest", "Périmètre signalé", "--no-progress")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert ProjectSource.objects.filter(source_key="Périmètre signalé").count() == 5
    flagged = _reported("Périmètre signalé")
    assert len(flagged) == 3 and all(
        r.startswith("Fiche publiée mais signalée") for r in flagged.values()
    )


def test_scope_is_optional_and_checked():
    base = {"kind": "csv", "url": "https://example.org/a.csv", "fields": FIELDS}
    plain = config_from_dict(base)
    assert plain.validate() == [] and "scope" not in plain.to_dict()  # older configurations
    bad = config_from_dict(
        {**base, "scope": {"action": "hide", "status_field": "etat", "colour": 1}}
    ).validate()
    assert bad == [
        "Clé inconnue dans « scope » : colour.",
        "« scope.action » vaut « refuse » ou « flag ».",
        "« scope.status_field » : le champ « etat » n'est pas dans « fields ».",
    ]
    with pytest.raises(ConfigError):
        config_from_dict({**base, "perimetre": {}})
