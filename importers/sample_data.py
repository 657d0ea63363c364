"""Build the demo site from the real data in `shared/data/`, through the catalogue's services.

Used by `manage.py load_sample_data` (run by `make run`). Idempotent: a second run finds every
record unchanged and creates nothing.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import transaction

from catalogue import services
from catalogue.models import ArticlePage, ProjectPage, StandardPage
from catalogue.sanitise import text_to_rich_text
from importers.normalise.clean import clean_text, clean_url
from importers.normalise.csv_sources import read_apriles_export, read_ffe_laureates

# Importer source names: the same names the harvester's sources use, so a later harvest of the
# partner's site updates these pages in place instead of duplicating them.
FFE_SOURCE = "La France s'engage"
FFE_PARTNER = "Fondation La France s'engage"
APRILES_SOURCE = "Apriles"
APRILES_PARTNER = "APRILES"
CATEGORY_LABELS = {
    "Institution_et_tetes_de_reseau": "Institutions et têtes de réseau",
    "Associations_et_accompagnateurs": "Associations et accompagnateurs",
    "Think_Thank_et_acteurs_de_la_recherche": "Think tanks et acteurs de la recherche",
    "Fondation_et_acteurs_engages_RSE": "Fondations et acteurs engagés (RSE)",
    "Medias_de_solutions": "Médias de solutions",
}
PARTNER_LICENCES = {
    FFE_PARTNER: "Données publiées par la Fondation La France s'engage ; texte des fiches © leurs auteurs.",
    APRILES_PARTNER: "Annuaire des initiatives d'apriles.net (ODAS) ; texte des fiches © leurs auteurs.",
}


@dataclass
class LoadReport:
    partners: int = 0
    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)

    def add(self, source: str, action: str) -> None:
        self.counts.setdefault(source, {}).setdefault(action, 0)
        self.counts[source][action] += 1


def data_dir() -> Path:
    return Path(settings.SHARED_DATA_DIR)


def load_partners(path: Path, report: LoadReport) -> dict[str, object]:
    partners = {}
    with open(path, encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            name = clean_text(row.get("name"))
            if not name:
                continue
            description = clean_text(row.get("description"))
            partners[name] = services.upsert_partner(
                name,
                description=text_to_rich_text(description),
                website=clean_url(row.get("website")),
                scale=clean_text(row.get("scale")),
                category=CATEGORY_LABELS.get(clean_text(row.get("category")), ""),
                activities=", ".join(
                    a.strip() for a in (row.get("activities") or "").split("|") if a.strip()
                ),
                openscraper_spider_id=clean_text(row.get("openscraper_spider_id")),
                data_licence=PARTNER_LICENCES.get(name, ""),
                publish=clean_text(row.get("publication_status")) != "en attente",
            )
            report.partners += 1
    return partners


def load_records(records, *, source_key, partner, report, progress=None, image_fetcher=None):
    """Through the bulk path of the catalogue's services: new pages in batches, unchanged ones
    in one query, the others one by one (the same rules as `upsert_project`)."""
    outcomes = services.upsert_projects_bulk(
        records,
        source_key=source_key,
        partner=partner,
        batch_size=200,
        image_fetcher=image_fetcher,
    )
    for outcome in outcomes:
        record = outcome.record
        if outcome.action in ("invalid", "failed"):
            report.add(source_key, "invalid")
            report.errors.append(
                f"{source_key} — {record.source_id or record.title}: {outcome.error}"
            )
        else:
            report.add(source_key, outcome.action)
        if progress:
            progress.advance()


def seed_editorial(tree: services.SiteTree) -> None:
    """Editorial pages of our own (no invented projects: dossiers curate real ones)."""
    home = tree.home
    # What a French public body must publish, linked from every page's footer.
    services.ensure_public_body_pages(home)
    if not StandardPage.objects.filter(slug="a-propos").exists():
        about = StandardPage(
            title="À propos",
            slug="a-propos",
            intro=(
                "Carrefour rend visibles les innovations sociales de France et relie celles et "
                "ceux qui les portent."
            ),
            body=[
                (
                    "paragraph",
                    (
                        "<p>Des centaines de réseaux, fondations et agences publiques publient chacun "
                        "leur annuaire de projets. Carrefour récolte ces annuaires, range chaque fiche "
                        "dans un même vocabulaire (la nomenclature du Carrefour des innovations "
                        "sociales), la géolocalise et la publie, toujours avec sa source et un lien "
                        "vers la page d'origine.</p>"
                    ),
                ),
                (
                    "quote",
                    {
                        "text": "Le texte des fiches appartient aux partenaires qui les publient.",
                        "attribution": "Charte de réutilisation",
                    },
                ),
            ],
        )
        home.add_child(instance=about)
        about.save_revision().publish()
    emploi = list(
        ProjectPage.objects.live()
        .filter(codes__code__in=["EMP", "INS"])
        .distinct()
        .order_by("title")[:6]
    )
    if emploi and not StandardPage.objects.filter(slug="dossier-emploi-insertion").exists():
        dossier = StandardPage(
            title="Dossier : l'emploi et l'insertion",
            slug="dossier-emploi-insertion",
            intro="Des projets qui ouvrent le chemin de l'emploi, repérés par nos partenaires.",
            body=[
                (
                    "dossier",
                    {
                        "title": "Retrouver le chemin de l'emploi",
                        "intro": "<p>Une sélection de lauréats et d'initiatives référencés par nos "
                        "partenaires.</p>",
                        "projects": emploi,
                        "link": {"page": tree.projects, "url": ""},
                    },
                )
            ],
        )
        home.add_child(instance=dossier)
        dossier.save_revision().publish()
    if not ArticlePage.objects.exists():
        article = ArticlePage(
            title="Les lauréats de La France s'engage et l'annuaire d'Apriles rejoignent Carrefour",
            slug="laureats-france-sengage-apriles",
            intro=(
                "Les 150 lauréats de la Fondation La France s'engage et les initiatives repérées "
                "par Apriles sont désormais consultables, sur la carte et dans la recherche."
            ),
            body=[
                (
                    "paragraph",
                    (
                        "<p>Chaque fiche renvoie vers la page d'origine du partenaire qui l'a publiée. "
                        "Les porteurs de projet peuvent revendiquer leur page pour la tenir à jour.</p>"
                    ),
                )
            ],
        )
        tree.news.add_child(instance=article)
        article.save_revision().publish()


def choose_coups_de_coeur(count: int = 6) -> None:
    """Editors' picks for the demo: FFE laureates with a summary and a location."""
    if ProjectPage.objects.filter(coup_de_coeur=True).exists():
        return
    picks = (
        ProjectPage.objects.live()
        .filter(sources__source_key=FFE_SOURCE, latitude__isnull=False)
        .exclude(summary="")
        .order_by("title")[:count]
    )
    for page in picks:
        services.set_coup_de_coeur(page, True)


def load_sample_data(progress_factory=None, image_fetcher=None) -> LoadReport:
    report = LoadReport()
    base = data_dir()
    with transaction.atomic():
        tree = services.ensure_site_tree()
        partners = load_partners(base / "partners.csv", report)
    for source_key, partner_name, reader, path in (
        (FFE_SOURCE, FFE_PARTNER, read_ffe_laureates, base / "ffe-laureates.csv"),
        (APRILES_SOURCE, APRILES_PARTNER, read_apriles_export, base / "apriles-export.csv"),
    ):
        records = list(reader(path))
        progress = progress_factory(len(records), source_key) if progress_factory else None
        load_records(
            records,
            source_key=source_key,
            partner=partners.get(partner_name),
            report=report,
            progress=progress,
            image_fetcher=image_fetcher,
        )
        if progress:
            progress.close()
    choose_coups_de_coeur()
    seed_editorial(tree)
    return report
