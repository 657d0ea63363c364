"""The editors' screen of suggested codes: what it shows, bulk confirmation, who may see it."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from catalogue import services
from catalogue.models import ProjectPage, SuggestedCode
from importers.harvest import run_source
from importers.models import TagMapping, UnknownTag
from tests.community.factories import UserFactory

from .test_code_suggestions_harvest import unseen_source

URL = "importers_code_suggestions"


def staff(*codenames):
    user = UserFactory(is_staff=True)
    perms = Permission.objects.filter(codename__in=["access_admin", *codenames])
    user.user_permissions.add(*perms)
    return user


@pytest.fixture
def editor(db):
    return staff("add_tagmapping", "change_tagmapping")


@pytest.fixture
def harvested(db, tmp_path):
    services.ensure_site_tree()
    source = unseen_source(tmp_path)
    run_source(source)
    return source


def rows_of(html):
    return html.split("<tbody>")[1].split("</tbody>")[0]


def test_keywords_most_frequent_first_with_codes_reasons_and_examples(client, editor, harvested):
    client.force_login(editor)
    html = client.get(reverse(URL)).content.decode()
    body = rows_of(html)
    assert body.index("Tiers lieux à dominante coworking") < body.index(
        "Réparation et recyclage de vélos"
    )  # 2 pages before 1
    assert "Emploi (EMP) — 2 fiches" in body
    assert "partie du mot-clé : « Coworking », correspondance de la source « Semeoz »" in body
    assert "même mot-clé : « Réparation et recyclage de vélos »" in body
    assert ">La Ruche</a>" in body and ">Le Garage</a>" in body


def test_confirming_in_bulk_writes_rules_and_codes_every_page(client, editor, harvested):
    client.force_login(editor)
    client.get(reverse(URL))
    tiers = UnknownTag.objects.get(tag_key="tiers lieux a dominante coworking")
    velo = UnknownTag.objects.get(tag_key="reparation et recyclage de velos")
    response = client.post(
        reverse(URL),
        {
            "rows": "2",
            # corrected: HAB unticked, ECO added
            "row-0-tag": tiers.pk, "row-0-codes": ["EMP"], "row-0-extra": "ECO",
            "row-0-confirm": "1",
            # not confirmed: nothing happens to it
            "row-1-tag": velo.pk, "row-1-codes": ["DEC"],
        },
        follow=True,
    )  # fmt: skip
    shown = [str(m) for m in response.context["messages"]]
    assert shown == [
        "1 règle(s) enregistrée(s) ; le codage de 2 fiche(s) se fait en arrière-plan : "
        "suivez-le ci-dessous."
    ]
    # The task ran (tests run django-q2 synchronously): its progress and counts are shown.
    html = response.content.decode()
    assert "Terminée" in html and "2 fiche(s) sur 2" in html and "2 codée(s)" in html
    rule = TagMapping.objects.get(source_label="Annuaire inconnu", tag_key=tiers.tag_key)
    assert {c.code for c in rule.codes.all()} == {"EMP", "ECO"} and rule.origin == "suggestion"
    for title in ("La Ruche", "Le Garage"):
        page = ProjectPage.objects.get(title=title)
        assert {c.code for c in page.codes.all()} == {"EMP", "ECO"}
        # Confirmed and corrected alike: the keyword's suggestions are settled (HAB too).
        assert not SuggestedCode.objects.filter(project=page, keyword_key=tiers.tag_key).exists()
    assert not UnknownTag.objects.filter(pk=tiers.pk).exists()
    assert UnknownTag.objects.filter(pk=velo.pk).exists()
    assert not ProjectPage.objects.get(title="Atelier Vélo").codes.exists()
    # The next run applies the rule itself, and the keyword stays off the screen.
    harvested.refresh_from_db()
    run_source(harvested)
    assert "Tiers lieux à dominante" not in rows_of(client.get(reverse(URL)).content.decode())
    assert {c.code for c in ProjectPage.objects.get(title="La Ruche").codes.all()} == {
        "EMP", "ECO"
    }  # fmt: skip


def test_hostile_posts_change_nothing(client, editor, harvested):
    client.force_login(editor)
    tiers = UnknownTag.objects.get(tag_key="tiers lieux a dominante coworking")
    for data in (
        {"rows": "1", "row-0-tag": tiers.pk, "row-0-codes": ["ZZZ", "<b>"], "row-0-confirm": "1"},
        {"rows": "1", "row-0-tag": "999999", "row-0-codes": ["EMP"], "row-0-confirm": "1"},
        {"rows": "1", "row-0-tag": tiers.pk, "row-0-codes": ["EMP"]},
        {"rows": "nope"},
    ):
        try:
            client.post(reverse(URL), data)
        except ValueError:
            pytest.fail(f"{data} raised")
    assert not TagMapping.objects.filter(source_label="Annuaire inconnu").exists()


@pytest.mark.django_db
def test_only_editors_may_see_or_post(client):
    url = reverse(URL)
    # Anonymous: to the log-in page.
    response = client.get(url)
    assert response.status_code == 302 and "login" in response["Location"]
    assert client.post(url, {"rows": "0"}).status_code == 302
    # A member without admin access: refused by the admin itself.
    client.force_login(UserFactory())
    assert client.get(url).status_code in (302, 403)
    # Staff with admin access but no right to write rules: refused (Wagtail turns the 403
    # into a redirect to the dashboard with a message), and nothing written.
    client.force_login(staff())
    for response in (client.get(url), client.post(url, {"rows": "1", "row-0-confirm": "1"})):
        assert response.status_code in (302, 403)
        assert response.status_code == 403 or response["Location"] == "/admin/"
    # Nor does the menu show it.
    assert 'href="/admin/collecte/codes-suggeres/"' not in client.get("/admin/").content.decode()
    client.force_login(staff("add_tagmapping", "change_tagmapping"))
    assert client.get(url).status_code == 200
