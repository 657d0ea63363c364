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
from importers import sample_sources
from importers.models import HarvestRun
from importers.normalise.clean import clean_text, clean_url

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
    runs: list = field(default_factory=list)  # HarvestRun of each sample source
    openscraper: list = field(default_factory=list)  # ImportReport of each 2018 configuration

    def add(self, source: str, action: str) -> None:
        self.counts.setdefault(source, {}).setdefault(action, 0)
        self.counts[source][action] += 1


def data_dir() -> Path:
    return Path(settings.SHARED_DATA_DIR)


def load_partners(path: Path, report: LoadReport, licences: dict[str, str]) -> dict[str, object]:
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
                data_licence=licences.get(name) or PARTNER_LICENCES.get(name, ""),
                publish=clean_text(row.get("publication_status")) != "en attente",
            )
            report.partners += 1
    return partners


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


def source_partners(defs: dict, partners: dict, report: LoadReport) -> dict[str, object]:
    """Partners of the declared sources that partners.csv does not list (PiNG)."""
    for definition in defs["sources"]:
        spec = dict(definition.get("partner") or {})
        name = spec.pop("name", "")
        if not name or name in partners:
            continue
        description = spec.pop("description", "")
        spec["category"] = CATEGORY_LABELS.get(spec.get("category", ""), spec.get("category", ""))
        partners[name] = services.upsert_partner(
            name, description=text_to_rich_text(description), **spec
        )
        report.partners += 1
    return partners


def load_sample_data(progress_factory=None, image_fetcher=None) -> LoadReport:
    """Partners, then each sample source harvested through the harvester (a run per source,
    in the admin), then the 2018 OpenScraper configurations, disabled, and editorial pages."""
    report = LoadReport()
    base = data_dir()
    defs = sample_sources.definitions()
    with transaction.atomic():
        tree = services.ensure_site_tree()
        partners = load_partners(
            base / "partners.csv", report, sample_sources.partner_licences(defs)
        )
        partners = source_partners(defs, partners, report)
    for outcome in sample_sources.harvest_sample_sources(
        defs,
        partners,
        data_dir=base,
        progress_factory=progress_factory,
        image_fetcher=image_fetcher,
    ):
        run = outcome.run
        report.runs.append(run)
        for action in ("created", "updated", "unchanged", "merged", "queued", "invalid", "failed"):
            if getattr(run, action):
                report.counts.setdefault(outcome.source.name, {})[action] = getattr(run, action)
        if run.status == HarvestRun.Status.FAILED:
            report.errors.append(f"{outcome.source.name} — {run.message}")
    report.openscraper = sample_sources.import_openscraper(defs, base)
    choose_coups_de_coeur()
    seed_editorial(tree)
    return report
