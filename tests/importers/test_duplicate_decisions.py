"""Editors' duplicate decisions are remembered across real harvest runs: a pair kept apart is
never proposed again, a pair judged the same merges on its own; the queue shows what differs."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from catalogue import services
from catalogue.models import ProjectPage, ProjectSource
from importers.harvest import run_source
from importers.models import DuplicateCandidate, DuplicateDecision, Source

pytestmark = pytest.mark.django_db

HEADER = "id,titre,résumé,code postal,ville,site web\n"


def _csv_source(tmp_path, name, rows):
    path = tmp_path / f"{name}.csv"
    path.write_text(HEADER + "".join(rows), encoding="utf-8")
    return Source.objects.create(
        name=name, kind="csv", normaliser="generic", config={"path": str(path)}
    )


@pytest.fixture
def editor(db):
    user = get_user_model().objects.create_superuser("redaction", "redaction@example.org", "pw")
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def two_sources(tmp_path):
    services.ensure_site_tree()
    first = _csv_source(
        tmp_path,
        "Réseau des communs",
        [
            "c1,Maison des communs de Pau,Un tiers-lieu associatif.,64000,Pau,\n",
            "c2,Atelier vélo participatif de Pau,Réparer son vélo.,64000,Pau,\n",
        ],
    )
    assert run_source(first).created == 2
    second = _csv_source(
        tmp_path,
        "Annuaire régional",
        [
            "r1,Maison commune des habitants de Pau,Lieu de rencontres.,64000,Pau,"
            "https://communs-bearn.example/\n",
            "r2,L'atelier vélo de quartier,Atelier d'autoréparation.,64000,Pau,\n",
        ],
    )
    return first, second


def _decide(client, candidate, decision):
    response = client.post(
        reverse("importers_duplicates"), {"candidate": candidate.pk, "decision": decision}
    )
    assert response.status_code == 302


def test_decisions_are_remembered_and_applied_by_later_runs(editor, two_sources):
    _first, second = two_sources
    run = run_source(second)
    assert run.queued == 2, run.diagnostics
    maison = DuplicateCandidate.objects.get(project__title__contains="Maison")
    velo = DuplicateCandidate.objects.get(project__title__contains="atelier")

    # The queue sets the pair's fields side by side and says which differ.
    html = editor.get(reverse("importers_duplicates")).content.decode()
    assert "Lieu de rencontres." in html and "Un tiers-lieu associatif." in html
    assert "https://communs-bearn.example/" in html and "diffère" in html

    _decide(editor, maison, "apart")
    _decide(editor, velo, "merge")
    decisions = set(
        DuplicateDecision.objects.values_list("source_key", "record_key", "existing", "same")
    )
    assert decisions == {
        ("Annuaire régional", "id:r1", maison.existing_id, False),
        ("Annuaire régional", "id:r2", velo.existing_id, True),
    }

    # The source's pages are lost (an editor deleted them, its listings went with them): the
    # next run sees both records as new, and applies the decisions instead of asking again.
    ProjectPage.objects.get(pk=maison.project_id).delete()
    ProjectSource.objects.filter(source_key="Annuaire régional").delete()
    DuplicateCandidate.objects.all().delete()
    again = run_source(second)
    assert again.queued == 0 and not DuplicateCandidate.objects.exists()
    assert again.merged == 1 and again.created == 1
    velo_sources = ProjectSource.objects.filter(project_id=velo.existing_id)
    assert set(velo_sources.values_list("source_key", flat=True)) == {
        "Réseau des communs",
        "Annuaire régional",
    }
    maison_page = ProjectSource.objects.get(source_key="Annuaire régional", source_id="r1").project
    assert maison_page.pk != maison.existing_id  # its own page again, never proposed

    # And the run after that changes nothing.
    third = run_source(second)
    assert (third.queued, third.unchanged) == (0, 2)
