"""The partner role (issue 12, « Partners bring their own directory »): who sees the proposal
form, the dashboard and its lists; the proposal with the admin's preview through the outgoing
guard; hostile input; the editor's review in the admin; the editors' tag-mapping rights."""

from __future__ import annotations

import json

import pytest
from django.contrib.auth.models import Group
from django.test import override_settings
from django.urls import reverse

from catalogue.editorial_roles import EDITORS, MODERATORS
from catalogue.models import CuratedField, ProjectPage
from importers.harvest import run_source
from importers.models import PartnerRole, Source
from tests.hostile import PAYLOADS, active_markup

from .partner_fixtures import FIELDS, csv_text, setup_partners

pytestmark = pytest.mark.django_db


@pytest.fixture
def people():
    return setup_partners()


def urls(partner):
    return [
        reverse("partner_propose", args=[partner.slug]),
        reverse("partner_dashboard", args=[partner.slug]),
        reverse("partner_records", args=[partner.slug, "sans-commune"]),
        reverse("partner_records", args=[partner.slug, "refusees"]),
    ]


def form_data(url, **overrides):
    data = {
        "name": "Export des tiers-lieux",
        "kind": "csv",
        "address": url,
        "config": json.dumps({"fields": FIELDS}),
        "licence": "Licence Ouverte 2.0",
        "apercu": "1",
    }
    data.update(overrides)
    return data


# -- who may see -----------------------------------------------------------------------------
def test_anonymous_visitors_are_sent_to_log_in(client, people):
    for url in urls(people["ours"]):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("account_login")), url
    response = client.post(urls(people["ours"])[0], form_data("https://example.org/a.csv"))
    assert response.status_code == 302
    assert not Source.objects.exists()


@pytest.mark.parametrize("who", ["member", "other_speaker"])
def test_members_without_this_partners_role_get_404(client, people, who):
    client.force_login(people[who])
    for url in urls(people["ours"]):
        assert client.get(url).status_code == 404, url
    response = client.post(urls(people["ours"])[0], form_data("https://example.org/a.csv"))
    assert response.status_code == 404
    # The same answer as a partner that does not exist: nothing to learn.
    assert client.get("/partenaires/inexistant/tableau-de-bord/").status_code == 404
    assert not Source.objects.exists()


def test_the_partner_and_editors_see_the_screens(client, people):
    for who in ("speaker", "editor"):
        client.force_login(people[who])
        for url in urls(people["ours"]):
            response = client.get(url)
            assert response.status_code == 200, (who, url)
    client.force_login(people["speaker"])
    assert client.get(urls(people["theirs"])[1]).status_code == 404  # only its own partner
    assert client.get(
        reverse("partner_records", args=["reseau-des-tiers-lieux", "x"])
    ).status_code in (404,)


def test_a_revoked_role_closes_the_screens(client, people):
    client.force_login(people["speaker"])
    PartnerRole.objects.filter(user=people["speaker"]).delete()
    assert client.get(urls(people["ours"])[1]).status_code == 404


# -- the proposal ------------------------------------------------------------------------------
def test_preview_then_proposal_stored_disabled(client, people, local_site):
    url = local_site.route("partner-role/export.csv", csv_text(), content_type="text/csv")
    client.force_login(people["speaker"])
    propose = urls(people["ours"])[0]
    response = client.post(propose, form_data(url))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Aperçu" in html and "Atelier vélo solidaire" in html
    assert 'class="preview-item"' in html  # the admin's preview, item by item
    assert not Source.objects.exists()  # a preview saves nothing
    response = client.post(propose, form_data(url, apercu="", proposer="1"))
    assert response.status_code == 302
    source = Source.objects.get()
    assert (source.enabled, source.proposal_status) == (False, "pending")
    assert source.partner == people["ours"] and source.proposed_by == people["speaker"]
    assert source.config == {"fields": FIELDS, "url": url}
    assert source.licence == "Licence Ouverte 2.0"
    dashboard = client.get(response["Location"]).content.decode()
    assert "Export des tiers-lieux" in dashboard and "en attente de la rédaction" in dashboard


@pytest.mark.parametrize(
    "address",
    [
        "http://127.0.0.1:9/export.csv",
        "http://10.1.2.3/export.csv",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/x.csv",
        "http://2130706433/x.csv",
    ],
)
@override_settings(OUTGOING_ALLOW_LOOPBACK=False)
def test_internal_addresses_are_refused_with_a_form_error(client, people, address):
    client.force_login(people["speaker"])
    for button in ("apercu", "proposer"):
        response = client.post(
            urls(people["ours"])[0], form_data(address, **{"apercu": "", button: "1"})
        )
        assert response.status_code == 400
        assert response.context["form"].errors["address"]
        html = response.content.decode()
        if "2130706433" not in address:  # a legacy spelling is not even a valid URL
            assert "Adresse refusée" in html and "adresse interne" in html
    assert not Source.objects.exists()


@override_settings(OUTGOING_ALLOW_LOOPBACK=False)
def test_internal_hosts_in_the_configuration_are_refused(client, people):
    client.force_login(people["speaker"])
    config = {"fields": [{"name": "titre", "selector": ".//a/text()"}], "item_selector": "//li"}
    data = form_data(
        "https://example.org/liste",
        kind="html",
        config=json.dumps({**config, "start_urls": ["http://169.254.169.254/"]}),
    )
    response = client.post(urls(people["ours"])[0], data)
    # The address field wins over a start URL typed in the JSON.
    assert "169.254.169.254" not in json.dumps(response.context["form"].full_config())
    data["config"] = json.dumps({**config, "allowed_hosts": ["localhost"]})
    response = client.post(urls(people["ours"])[0], data)
    assert response.status_code == 400
    assert "adresse interne" in response.content.decode()


@pytest.mark.parametrize(
    "config, message",
    [
        ('{"fields": ', "JSON invalide"),
        ("[1, 2]", "objet JSON"),
        ('"texte"', "objet JSON"),
        ('{"fields": {"titre": "NOM"}, "transforms": {"titre": [{"inconnue": 1}]}}', ""),
        ('{"fields": 12}', "Configuration mal formée"),
        ('{"key": ["absent"], "fields": {"titre": "NOM"}}', ""),
    ],
)
def test_malformed_configuration_is_a_form_error(client, people, config, message):
    client.force_login(people["speaker"])
    response = client.post(
        urls(people["ours"])[0], form_data("https://example.org/a.csv", config=config)
    )
    assert response.status_code in (200, 400)
    if message:
        assert response.status_code == 400
        assert message in response.content.decode()
    assert not Source.objects.exists()


def test_hostile_input_is_escaped_never_a_500(client, people):
    client.force_login(people["speaker"])
    propose = urls(people["ours"])[0]
    for payload in PAYLOADS:
        for data in (
            form_data(payload, name=payload),
            form_data("https://example.org/a.csv", name=payload, config=payload),
            form_data(
                "https://example.org/a.csv",
                config=json.dumps({"fields": {payload: payload}, payload: [payload]}),
                kind=payload,
            ),
            form_data("javascript:alert(1)", licence=payload, proposer="1", apercu=""),
        ):
            response = client.post(propose, data)
            assert response.status_code < 500, payload
            assert active_markup(response.content.decode()) == [], payload
    assert not Source.objects.exists()


@override_settings(PARTNER_PREVIEW_RATE="2/600")
def test_previews_are_rate_limited_per_member(client, people, local_site):
    from django.core.cache import cache

    cache.clear()
    url = local_site.route("partner-role/limited.csv", csv_text(), content_type="text/csv")
    client.force_login(people["speaker"])
    propose = urls(people["ours"])[0]
    before = local_site.hits_for("partner-role/limited.csv")
    assert [client.post(propose, form_data(url)).status_code for _ in range(3)] == [200, 200, 429]
    assert local_site.hits_for("partner-role/limited.csv") - before == 2  # no third fetch
    response = client.post(propose, form_data(url))
    assert "aperçus demandés : réessayez" in response.content.decode()
    # Another member has an allowance of their own; proposing is not a preview.
    client.force_login(people["editor"])
    assert client.post(propose, form_data(url)).status_code == 200
    client.force_login(people["speaker"])
    assert client.post(propose, form_data(url, apercu="", proposer="1")).status_code == 302


def test_a_taken_name_is_a_form_error(client, people):
    Source.objects.create(name="Export des tiers-lieux", kind="csv", config={"path": "/x.csv"})
    client.force_login(people["speaker"])
    response = client.post(urls(people["ours"])[0], form_data("https://example.org/a.csv"))
    assert response.status_code == 400
    assert "porte déjà ce nom" in response.content.decode()


# -- the editor's review ------------------------------------------------------------------------
def test_editor_reviews_and_enables_a_proposal(client, people, local_site):
    url = local_site.route("partner-role/review.csv", csv_text(), content_type="text/csv")
    client.force_login(people["speaker"])
    client.post(urls(people["ours"])[0], form_data(url, apercu="", proposer="1"))
    source = Source.objects.get()
    # A member never reaches the admin's review.
    assert client.get(reverse("importers_proposal", args=[source.pk])).status_code in (302, 403)
    client.force_login(people["editor"])
    listing = client.get(reverse("importers_proposals")).content.decode()
    assert "Export des tiers-lieux" in listing and "Réseau des tiers-lieux" in listing
    review = client.get(reverse("importers_proposal", args=[source.pk]))
    assert review.status_code == 200
    html = review.content.decode()
    assert "partner-role/review.csv" in html  # the configuration
    assert "Atelier vélo solidaire" in html  # the preview
    response = client.post(reverse("importers_proposal", args=[source.pk]), {"decision": "enable"})
    assert response.status_code == 302
    source.refresh_from_db()
    assert (source.enabled, source.proposal_status) == (True, "accepted")
    assert source.reviewed_by == people["editor"] and source.reviewed_at is not None
    # Reviewed once: a second decision is refused.
    again = client.post(reverse("importers_proposal", args=[source.pk]), {"decision": "decline"})
    assert again.status_code in (302, 403)  # Wagtail's answer to PermissionDenied
    source.refresh_from_db()
    assert source.proposal_status == "accepted"


def test_editor_grants_the_role_in_the_admin(client, people):
    client.force_login(people["editor"])
    add = reverse("wagtailsnippets_importers_partnerrole:add")
    assert client.get(add).status_code == 200
    response = client.post(add, {"user": people["member"].pk, "partner": people["theirs"].pk})
    assert response.status_code == 302, response.content.decode()[:2000]
    role = PartnerRole.objects.get(user=people["member"])
    assert role.partner == people["theirs"] and role.granted_by == people["editor"]
    client.force_login(people["member"])
    assert client.get(urls(people["theirs"])[1]).status_code == 200


@pytest.mark.parametrize("group", [EDITORS, MODERATORS])
def test_editorial_groups_manage_tag_mappings(client, people, group):
    permissions = set(Group.objects.get(name=group).permissions.values_list("codename", flat=True))
    assert {
        "add_tagmapping",
        "change_tagmapping",
        "delete_tagmapping",
        "view_tagmapping",
    } <= permissions
    editor = people["editor"]
    editor.groups.set([Group.objects.get(name=group)])
    client.force_login(editor)
    assert client.get(reverse("wagtailsnippets_importers_tagmapping:list")).status_code == 200
    assert client.get(reverse("wagtailsnippets_importers_tagmapping:add")).status_code == 200


# -- the dashboard -----------------------------------------------------------------------------
def test_dashboard_shows_runs_health_and_corrections(client, people, tmp_path):
    path = tmp_path / "export.csv"
    path.write_text(csv_text(), encoding="utf-8")
    source = Source.objects.create(
        name="Export local", kind="csv", partner=people["ours"],
        config={"path": str(path), "fields": FIELDS},
    )  # fmt: skip
    run = run_source(source)
    assert run.invalid == 1 and run.created == 4
    pages = ProjectPage.objects.filter(sources__partner=people["ours"])
    assert pages.count() == 4
    corrected = pages.get(title="Atelier vélo solidaire")
    CuratedField.objects.create(project=corrected, field_name="summary", curated_by="holder")
    client.force_login(people["speaker"])
    response = client.get(urls(people["ours"])[1])
    html = response.content.decode()
    assert "Export local" in html and run.get_status_display() in html
    health = {row["state"]: row["count"] for row in response.context["health"]["states"]}
    assert health["refusees"] == 1
    assert health["sans-commune"] == 1  # the repair café without a place
    uncoded = pages.filter(codes__isnull=True).count()
    assert health["sans-code"] == uncoded >= 1
    assert "Atelier vélo solidaire" in html and "porteur du projet" in html  # the correction
    for feed in ("partner-errata", "partner-errata-csv", "partner-errata-json"):
        assert reverse(feed, args=[people["ours"].slug]) in html  # the public errata, linked
    unplaced = client.get(reverse("partner_records", args=[people["ours"].slug, "sans-commune"]))
    assert "Repair café nomade" in unplaced.content.decode()
    refused = client.get(reverse("partner_records", args=[people["ours"].slug, "refusees"]))
    assert refused.status_code == 200 and "Export local" in refused.content.decode()
    # The other partner's member sees none of it.
    client.force_login(people["other_speaker"])
    assert client.get(urls(people["ours"])[1]).status_code == 404


def test_the_partner_page_links_its_screens_for_the_role_only(client, people):
    page_url = people["ours"].url
    dashboard = reverse("partner_dashboard", args=[people["ours"].slug])
    assert dashboard not in client.get(page_url).content.decode()
    client.force_login(people["other_speaker"])
    assert dashboard not in client.get(page_url).content.decode()
    for who in ("speaker", "editor"):
        client.force_login(people[who])
        assert dashboard in client.get(page_url).content.decode()
