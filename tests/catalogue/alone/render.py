"""Run with the settings of this folder (community not installed): build a small catalogue in
a fresh test database, render a project page, the project index (search) and an article, and
print what came back as JSON. Called by tests/catalogue/test_without_community.py."""

import json
import os
import sys


def main() -> None:
    import django

    django.setup()
    from django.apps import apps
    from django.db import connection
    from django.test.utils import setup_test_environment

    setup_test_environment()
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        print(json.dumps(_render(apps.is_installed("community"))))
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


def _render(community_installed: bool) -> dict:
    from datetime import date

    from django.contrib.auth import get_user_model
    from django.test import Client

    from catalogue import services
    from catalogue.models import ArticlePage
    from catalogue.records import ProjectRecord

    tree = services.ensure_site_tree()
    project = services.upsert_project(
        ProjectRecord(
            title="Épicerie solidaire du Blosne",
            source_id="blosne-1",
            summary="Une épicerie à prix choisis.",
            city="Rennes",
            postal_code="35200",
            codes=["ALI"],
        ),
        source_key="Seule",
    ).page
    article = tree.news.add_child(
        instance=ArticlePage(title="Le catalogue tient debout", date=date(2026, 12, 1))
    )
    article.save_revision().publish()
    pages = {
        "project": project.url,
        "index": tree.projects.url + "?q=epicerie",
        "article": article.url,
    }
    out = {"community_installed": community_installed, "pages": {}}
    client = Client()
    member = get_user_model().objects.create_user("membre", "membre@exemple.org", "x")
    for signed_in in (False, True):
        if signed_in:
            client.force_login(member)
        for name, url in pages.items():
            response = client.get(url)
            key = f"{name}{'-signed-in' if signed_in else ''}"
            out["pages"][key] = {
                "url": url,
                "status": response.status_code,
                "html": response.content.decode(),
            }
    return out


if __name__ == "__main__":
    sys.path[:0] = [os.getcwd(), os.path.join(os.getcwd(), "site")]
    main()
