"""French names of the editorial groups, the moderation workflow and its task.

Wagtail's migrations create the groups "Moderators" and "Editors" and the workflow and task
"Moderators approval"; those names reach editors in the admin (buttons such as "Soumettre à
Moderators approval") and in e-mails. They are renamed once (migration
`catalogue.0010_french_editorial_names`, and `services.ensure_moderation_workflow` for databases
built another way); code finds the groups by these constants.
"""

MODERATORS = "Modérateurs"
EDITORS = "Rédacteurs"
EDITORIAL_GROUPS = (EDITORS, MODERATORS)
WORKFLOW = "relecture par la rédaction"
TASK = "validation par les modérateurs"

LEGACY_GROUPS = {"Moderators": MODERATORS, "Editors": EDITORS}
LEGACY_WORKFLOWS = {"Moderators approval": WORKFLOW, "Relecture des projets": WORKFLOW}
LEGACY_TASKS = {"Moderators approval": TASK, "Relecture des projets": TASK}


def rename_legacy(Group, Workflow, Task) -> int:
    """Rename Wagtail's English defaults (models may be historical ones); returns rows renamed."""
    renamed = 0
    for model, names in (
        (Group, LEGACY_GROUPS),
        (Workflow, LEGACY_WORKFLOWS),
        (Task, LEGACY_TASKS),
    ):
        for old, new in names.items():
            if model.objects.filter(name=new).exists():
                continue  # never two rows with one name (Group.name is unique)
            renamed += model.objects.filter(name=old).update(name=new)
    return renamed
