"""`load_sample_data`: the real records of shared/data/ become a clean, living site, through
configured harvest sources (La France s'engage, Apriles, PiNG and CGET tiers-lieux)."""

import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client

from catalogue.models import (
    ArticlePage,
    HomePage,
    PartnerPage,
    ProjectPage,
    ProjectSource,
    StandardPage,
)
from importers.models import HarvestRun, Source, UnknownTag

pytestmark = pytest.mark.django_db

PLACEHOLDER = re.compile(r"(?<![\w-])(null|NR|default|None)(?![\w-])")
CHECKED_FIELDS = (
    "title",
    "summary",
    "description",
    "website",
    "facebook_url",
    "twitter_url",
    "contact_email",
    "contact_phone",
    "structure_name",
    "address",
    "postal_code",
    "city",
    "insee_code",
)


PING = "PiNG tiers-lieux"
CGET = "CGET tiers-lieux 2019"
#: Places of the PiNG file that the 2019 census lists too (checked by hand: same place, same
#: site or same name in the same commune), PiNG index -> census ID.
MERGED_BY_HAND = {
    "pingcarto1_": "11",  # La Chapelle Coworking, Nantes
    "pingcarto3_": "472",  # Espace Esperluette / Esperluette, Nantes
    "pingcarto30_": "117",  # Workhub: Saint-Herblain (census: "Nantes" with CP 44800)
    "pingcarto54_": "852",  # Espace Flo'tille: La Flocellière, now in Sèvremont
    "pingcarto59_": "1226",  # Le boc@l: Chemillé-Melay, now in Chemillé-en-Anjou
    "pingcarto60_": "602",  # Weforge Angers / We Forge Angers
}
#: Look-alikes that are other places: a network's branches, a city portal's pages.
KEPT_APART = {
    "439": "pingcarto14_",  # La Cordée à Morez (39) vs La Cordée Nantes - Fouré
    "235": "pingcarto31_",  # La Ruche Bordeaux vs La Ruche Saint-Nazaire
    "688": "pingcarto73_",  # Regus Nancy vs Regus Express Le Mans
    "1330": "pingcarto83_",  # ICI thecamp (Aix) vs ICI Nantes
}


def page_of(source_key, source_id):
    return ProjectPage.objects.get(sources__source_key=source_key, sources__source_id=source_id)


def check_tiers_lieux_sources():
    """The two tiers-lieux files arrived through the harvester, coded, placed and merged."""
    runs = {run.source.name: run for run in HarvestRun.objects.select_related("source")}
    assert set(runs) == {"La France s'engage", "Apriles", PING, CGET}
    assert {name: run.status for name, run in runs.items()}[PING] == "success"
    assert (runs[PING].seen, runs[PING].created, runs[PING].invalid) == (124, 124, 0)
    cget = runs[CGET]
    assert (cget.seen, cget.invalid, cget.failed, cget.status) == (1512, 0, 0, "success")
    assert cget.created + cget.merged == 1512 and 30 <= cget.merged <= 40
    for name, run in runs.items():
        assert run.complete, name
        assert run.diagnostics["placement"]["unplaced"] == (68 if name == "Apriles" else 0)
    # Configured sources, with their partner, licence and recoding rules.
    ping = Source.objects.get(name=PING)
    assert (ping.kind, ping.enabled, ping.partner.title) == ("csv", True, "PiNG")
    assert "Licence Ouverte 2.0" in ping.licence
    assert ping.partner.data_licence.startswith("Licence Ouverte 2.0")
    census = Source.objects.get(name=CGET)
    assert census.partner.title == "Commissariat général à l’égalité des territoires"
    assert census.config["fields"]["code postal"] == "CP"

    # Typologies recoded into the nomenclature through the declared rules.
    chapelle = page_of(PING, "pingcarto1_")  # T: "Renouveler le travail"
    assert sorted(chapelle.codes.values_list("code", flat=True)) == ["ECO", "EMP"]
    assert "Renouveler le travail" in chapelle.tags.names()
    fablab = ProjectPage.objects.filter(
        sources__source_key=CGET, tags__name="Tiers lieux à dominante fablab"
    )
    assert fablab.count() >= 300
    assert not fablab.exclude(codes__code="NUM").exists()
    # Every source's keywords are coded (La France s'engage by its normaliser's table).
    assert not UnknownTag.objects.exists()

    # Every place in a commune; the census's own coordinates kept where they agree.
    tiers_lieux = ProjectPage.objects.filter(sources__source_key__in=[PING, CGET])
    assert not tiers_lieux.filter(insee_code="").exists()
    # L'Usine-Tribu: the BAN answer in the file says Carnoux (13), its point is in Vendée.
    usine = page_of(PING, "pingcarto85_")
    assert usine.department_code == "85"

    # Cross-source duplicates: one page listing both sources; look-alikes kept apart.
    for ping_id, cget_id in MERGED_BY_HAND.items():
        page = page_of(PING, ping_id)
        assert page.pk == page_of(CGET, cget_id).pk, (ping_id, cget_id)
        assert sorted(page.sources.values_list("source_key", flat=True)) == [CGET, PING]
    for cget_id, ping_id in KEPT_APART.items():
        assert page_of(CGET, cget_id).pk != page_of(PING, ping_id).pk, (cget_id, ping_id)
    assert ProjectPage.objects.live().count() == 330 + 124 + cget.created

    # The 2018 OpenScraper configurations: sources too, disabled, saying why.
    imported = Source.objects.exclude(runs__isnull=False).distinct()
    assert imported.count() == 19
    assert not imported.filter(enabled=True).exists()
    for source in imported:
        assert "ne peut pas être joint" in source.attention_reason, source.name
        assert source.needs_attention
    assert imported.get(name="Apriles (site apriles.net)").mapping_label == "ODAS - APRILES"


def check_tiers_lieux_pages(client):
    page = page_of(PING, "pingcarto1_")
    html = client.get(page.url).content.decode()
    assert "Projet référencé par" in html and "PiNG" in html
    assert "Commissariat général" in html  # the census lists it too
    assert "Licence Ouverte 2.0" in html
    assert 'href="https://www.la-chapelle-coworking.fr"' in html


def test_load_sample_data_builds_a_clean_site_and_is_idempotent():
    out = StringIO()
    call_command("load_sample_data", stdout=out, stderr=StringIO())
    report = out.getvalue()
    assert "Partners: 57" in report  # 56 of partners.csv, and PiNG

    # Counts: 150 La France s'engage projects (303 rows, one per location), 180 Apriles records.
    assert ProjectSource.objects.filter(source_key="La France s'engage").count() == 150
    assert ProjectSource.objects.filter(source_key="Apriles").count() == 180
    assert PartnerPage.objects.count() == 57
    assert PartnerPage.objects.live().count() == 51  # 6 "en attente" stay drafts
    assert HomePage.objects.count() == 1
    assert StandardPage.objects.filter(slug="a-propos").exists()
    assert ArticlePage.objects.live().exists()
    assert ProjectPage.objects.filter(coup_de_coeur=True).count() == 6
    check_tiers_lieux_sources()

    # Every FFE project has a location; no raw placeholder anywhere in a page's fields.
    ffe = ProjectPage.objects.filter(sources__source_key="La France s'engage")
    assert ffe.filter(latitude__isnull=True).count() <= 9  # 9 rows have neither lat/long nor CP
    for page in ProjectPage.objects.prefetch_related("sources"):
        for name in CHECKED_FIELDS:
            value = str(getattr(page, name) or "")
            assert not PLACEHOLDER.search(value), (page.title, name, value)
        for source in page.sources.all():
            if source.source_key in ("La France s'engage", "Apriles"):
                assert source.source_url.startswith("http")

    # The coordinates that contradicted the postal code were corrected and explained.
    cravate = ProjectPage.objects.get(title="La Cravate Solidaire")
    assert cravate.postal_code == "28700"
    assert cravate.department_code == "28"
    assert 48.0 < cravate.latitude < 48.8  # not the Paris point of the source row
    assert "incohérentes" in cravate.location_note

    # Idempotent: a second run creates nothing and changes nothing.
    revisions = dict(ProjectPage.objects.values_list("pk", "latest_revision_id"))
    out = StringIO()
    call_command("load_sample_data", stdout=out, stderr=StringIO())
    assert "La France s'engage: unchanged 150" in out.getvalue()
    assert "Apriles: unchanged 180" in out.getvalue()
    assert f"{PING}: unchanged 124" in out.getvalue()
    assert f"{CGET}: unchanged 1512" in out.getvalue()
    assert ProjectPage.objects.count() == len(revisions)
    assert dict(ProjectPage.objects.values_list("pk", "latest_revision_id")) == revisions
    assert Source.objects.count() == 4 + 19

    # Every page renders, with its source named and linked, and no placeholder in the HTML.
    client = Client()
    assert client.get("/").status_code == 200
    for page in ProjectPage.objects.live().filter(
        sources__source_key__in=("La France s'engage", "Apriles")
    )[:40]:
        response = client.get(page.url)
        assert response.status_code == 200
        html = response.content.decode()
        assert "Projet référencé par" in html
        source = page.sources.first()
        assert f'href="{source.source_url}"' in html.replace("&amp;", "&")
        body = html.split('id="contenu"', 1)[1]
        assert not re.search(r">\s*(null|NR|default)\s*<", body)
    check_tiers_lieux_pages(client)
