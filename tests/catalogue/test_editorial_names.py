"""The French product names its editorial groups, workflow and task in French (Wagtail's
migrations make them in English), existing databases included; the admin says so."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from wagtail.models import Task, Workflow

from catalogue import editorial_roles as roles
from catalogue import services
from catalogue.records import ProjectRecord

pytestmark = pytest.mark.django_db


def test_groups_workflow_and_task_are_french_after_migrate(site_tree):
    names = set(Group.objects.values_list("name", flat=True))
    assert {roles.MODERATORS, roles.EDITORS} <= names
    assert not names & {"Moderators", "Editors"}
    assert set(Workflow.objects.values_list("name", flat=True)) == {roles.WORKFLOW}
    assert set(Task.objects.values_list("name", flat=True)) == {roles.TASK}
    # The moderators' group still approves (the rename kept the task's groups).
    task = Task.objects.get(name=roles.TASK).specific
    assert roles.MODERATORS in set(task.groups.values_list("name", flat=True))


def test_a_database_with_english_names_is_renamed(site_tree):
    Group.objects.filter(name=roles.MODERATORS).update(name="Moderators")
    Workflow.objects.filter(name=roles.WORKFLOW).update(name="Moderators approval")
    Task.objects.filter(name=roles.TASK).update(name="Moderators approval")
    services.ensure_moderation_workflow()
    assert Group.objects.filter(name=roles.MODERATORS).exists()
    assert not Workflow.objects.filter(name="Moderators approval").exists()
    assert not Task.objects.filter(name="Moderators approval").exists()
    # Idempotent.
    assert roles.rename_legacy(Group, Workflow, Task) == 0


def test_admin_editor_offers_the_french_workflow(client, site_tree):
    page = services.upsert_project(
        ProjectRecord(title="Accorderie de Pau", source_id="1", city="Pau", postal_code="64000"),
        source_key="Apriles",
    ).page
    editor = get_user_model().objects.create_user("redac", "redac@exemple.org", "pw", is_staff=True)
    editor.groups.add(Group.objects.get(name=roles.EDITORS))
    client.force_login(editor)
    html = client.get(f"/admin/pages/{page.pk}/edit/").content.decode()
    assert "Soumettre à relecture par la rédaction" in html
    assert "Moderators approval" not in html
    admin = get_user_model().objects.create_superuser("chef", "chef@exemple.org", "pw")
    client.force_login(admin)
    groups = client.get("/admin/groups/").content.decode()
    assert roles.MODERATORS in groups and roles.EDITORS in groups
    assert ">Moderators<" not in groups and ">Editors<" not in groups
