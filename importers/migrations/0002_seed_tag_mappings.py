"""Seed the recoding rules from importers/data/ (cis-tag-mappings.json, apriles-to-cis.json)."""

from django.db import migrations


def seed(apps, schema_editor):
    from importers.recoding import seed_tag_mappings

    seed_tag_mappings(
        apps.get_model("importers", "TagMapping"), apps.get_model("catalogue", "NomenclatureCode")
    )


class Migration(migrations.Migration):
    dependencies = [("importers", "0001_sources_runs_mappings")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
