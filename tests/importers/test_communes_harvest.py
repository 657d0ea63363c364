"""An unseen partner's dirty addresses, harvested over HTTP on 127.0.0.1: the share of records
in the right commune (INSEE code), and the run's report of coordinates that contradict the
address (issue 12)."""

from __future__ import annotations

from collections import Counter

import pytest

from catalogue import services
from catalogue.models import ProjectSource
from importers.models import HarvestError, Source

from .dirty_addresses import as_csv, dirty_directory
from .harvesting import manage

FIELDS = {
    "id": "ref",
    "titre": "nom",
    "adresse": "adresse",
    "code postal": "cp",
    "ville": "ville",
    "latitude": "lat",
    "longitude": "lon",
}


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_dirty_addresses_land_in_the_right_commune(local_site):
    services.ensure_site_tree()
    records = dirty_directory(320)
    url = local_site.route("communes/annuaire.csv", as_csv(records), content_type="text/csv")
    Source.objects.create(name="Annuaire inédit", kind="csv", config={"url": url, "fields": FIELDS})
    proc = manage("harvest", "Annuaire inédit", "--no-progress")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    placed = dict(
        ProjectSource.objects.filter(source_key="Annuaire inédit").values_list(
            "source_id", "project__insee_code"
        )
    )
    assert len(placed) == len(records)
    right, total = Counter(), Counter()
    for record in records:
        total[record.dirt] += 1
        right[record.dirt] += placed[record.row["ref"]] == record.expected
    share = sum(right.values()) / len(records)
    detail = {dirt: f"{right[dirt]}/{n}" for dirt, n in total.items()}
    assert share >= 0.98, detail
    assert all(right[d] >= 0.9 * total[d] for d in total), detail
    # Coordinates 100+ km from the commune the address names: the address wins, the run says so.
    far = {r.row["ref"] for r in records if r.dirt == "coordinates-far"}
    flagged = HarvestError.objects.filter(kind="location", severity="warning")
    assert {e.title.split(" — ")[0] for e in flagged} >= far
    assert all("l'adresse l'emporte" in e.reason for e in flagged)
    run = Source.objects.get(name="Annuaire inédit").runs.get()
    assert run.status == "success", run.message  # warnings do not make the run partial
    assert run.diagnostics["placement"]["contradictions"] == flagged.count()
