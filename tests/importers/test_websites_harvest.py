"""A partner's websites as partners write them, harvested over HTTP on 127.0.0.1 (issue 12):
schemes added, escaped colons repaired, social pages kept as the project's social links (and
shown on its page), every value set aside named in the run's report."""

from __future__ import annotations

import csv
import io

import pytest

from catalogue import services
from catalogue.models import ProjectPage
from importers.models import HarvestError, Source

from .harvesting import manage

ROWS = [
    # ref, name, website, facebook, twitter
    ("w1", "Atelier sans schéma", "www.atelier-exemple.fr", "", ""),
    ("w2", "Page Facebook seule", "https://www.facebook.com/recyclerie.exemple/", "", ""),
    ("w3", "Deux-points échappé", "http\\c//www.echappe-exemple.org/page", "", ""),
    ("w4", "Site pas encore", "en cours", "LaRucheExemple", "@collectif_ex"),
    ("w5", "Deux sites", "https://un-exemple.fr https://deux-exemple.fr", "", ""),
    ("w6", "Nom en guise de page", "", "Le Cerisier - Cie Théâtre", ""),
]


def _csv() -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["ref", "nom", "web", "facebook", "twitter"])
    writer.writerows(ROWS)
    return out.getvalue().encode("utf-8")


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_websites_are_kept_repaired_or_reported(local_site, client):
    services.ensure_site_tree()
    url = local_site.route("liens/annuaire.csv", _csv(), content_type="text/csv")
    fields = {
        "id": "ref",
        "titre": "nom",
        "site": "web",
        "facebook": "facebook",
        "twitter": "twitter",
    }
    Source.objects.create(name="Liens inédits", kind="csv", config={"url": url, "fields": fields})
    proc = manage("harvest", "Liens inédits", "--no-progress")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    pages = {p.title: p for p in ProjectPage.objects.all()}
    assert pages["Atelier sans schéma"].website == "https://www.atelier-exemple.fr"
    alone = pages["Page Facebook seule"]
    assert (alone.website, alone.facebook_url) == (
        "",
        "https://www.facebook.com/recyclerie.exemple/",
    )
    assert pages["Deux-points échappé"].website == "http://www.echappe-exemple.org/page"
    handles = pages["Site pas encore"]
    assert handles.facebook_url == "https://www.facebook.com/LaRucheExemple"
    assert handles.twitter_url == "https://x.com/collectif_ex"
    assert pages["Deux sites"].website == "https://un-exemple.fr"

    reported = {
        (e.title.split(" — ")[0], e.reason)
        for e in HarvestError.objects.filter(kind="website", severity="warning")
    }
    assert reported == {
        ("w4", "Lien écarté, site invalide : « en cours »"),
        ("w5", "Lien écarté, site non repris : https://deux-exemple.fr"),
        ("w6", "Lien écarté, facebook invalide : « Le Cerisier - Cie Théâtre »"),
    }
    run = Source.objects.get(name="Liens inédits").runs.get()
    assert run.status == "success" and run.diagnostics["links_set_aside"] == 3

    # The social page is shown on the project page.
    html = client.get(alone.url).content.decode()
    assert 'href="https://www.facebook.com/recyclerie.exemple/"' in html
