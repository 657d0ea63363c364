"""Seed the 40 CIS nomenclature codes and their filter groups (editable afterwards)."""

import json
from pathlib import Path

from django.db import migrations

FAMILIES = {"Domaines": "domaines", "Publics": "publics", "Méthodes": "methodes"}
FAMILY_ORDER = list(FAMILIES)
# Typographic fixes over the 2018 labels (capital letters keep their accents in French).
LABEL_FIXES = {
    "Evaluation": "Évaluation",
    "Economie": "Économie",
    "Education": "Éducation",
    "Energie": "Énergie",
}


def seed(apps, schema_editor):
    TaxonomyGroup = apps.get_model("catalogue", "TaxonomyGroup")
    NomenclatureCode = apps.get_model("catalogue", "NomenclatureCode")
    path = Path(__file__).resolve().parents[1] / "data" / "cis-taxonomy.json"
    entries = json.loads(path.read_text(encoding="utf-8"))
    groups = {}
    for entry in entries:
        for group in entry.get("groups", []):
            groups.setdefault(group["id"], group)
    ordered = sorted(groups.values(), key=lambda g: (FAMILY_ORDER.index(g["family"]), g["name"]))
    for position, group in enumerate(ordered):
        TaxonomyGroup.objects.update_or_create(
            slug=group["id"],
            defaults={"family": FAMILIES[group["family"]], "name": LABEL_FIXES.get(group["name"], group["name"]),
                      "sort_order": position},
        )
    for entry in entries:
        code, _ = NomenclatureCode.objects.update_or_create(
            code=entry["code"],
            defaults={"name": LABEL_FIXES.get(entry["name"], entry["name"]), "description": entry.get("description", "")},
        )
        code.groups.set(TaxonomyGroup.objects.filter(slug__in=[g["id"] for g in entry.get("groups", [])]))


class Migration(migrations.Migration):
    dependencies = [("catalogue", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
