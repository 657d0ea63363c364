"""Wagtail's groups, workflow and task get French names (see catalogue.editorial_roles)."""

from django.db import migrations


def to_french(apps, schema_editor):
    from catalogue.editorial_roles import rename_legacy

    rename_legacy(
        apps.get_model("auth", "Group"),
        apps.get_model("wagtailcore", "Workflow"),
        apps.get_model("wagtailcore", "Task"),
    )


def to_english(apps, schema_editor):
    from catalogue import editorial_roles as roles

    for model, names in (
        (apps.get_model("auth", "Group"), roles.LEGACY_GROUPS),
        (apps.get_model("wagtailcore", "Workflow"), {"Moderators approval": roles.WORKFLOW}),
        (apps.get_model("wagtailcore", "Task"), {"Moderators approval": roles.TASK}),
    ):
        for old, new in names.items():
            model.objects.filter(name=new).update(name=old)


class Migration(migrations.Migration):
    dependencies = [
        ("catalogue", "0009_catalogue_state"),
        # After every Wagtail migration that finds the groups by their English names.
        ("wagtailcore", "0098_apitoken"),
        ("wagtailadmin", "0006_formstate"),
        ("wagtailimages", "0027_image_description"),
        ("wagtaildocs", "0014_alter_document_file_size"),
    ]

    operations = [migrations.RunPython(to_french, to_english)]
