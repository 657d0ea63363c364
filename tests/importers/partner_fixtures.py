"""Shared set-up of the partner role's tests: two partners, a member speaking for each, a
member without the role, an editor of the « Rédacteurs » group, and a CSV directory."""

from __future__ import annotations

import csv
import io

from django.contrib.auth.models import Group

from catalogue import services
from catalogue.editorial_roles import EDITORS
from importers.models import PartnerRole
from tests.community.factories import make_user

#: A ragged partner export: a row without a title (refused), one without a place (unplaced),
#: one without keywords (uncoded).
ROWS = [
    ("1", "Atelier vélo solidaire", "44000", "Nantes", "Réparation et recyclage de vélos"),
    ("2", "Jardin partagé des Dervallières", "44100", "Nantes", "Jardins partagés"),
    ("3", "", "44000", "Nantes", "Jardins partagés"),
    ("4", "Repair café nomade", "", "", "Réparation et recyclage de vélos"),
    ("5", "Épicerie solidaire", "35000", "Rennes", ""),
]
FIELDS = {"id": "ID", "titre": "NOM", "code postal": "CP", "ville": "VILLE", "tags": "MOTS"}


def csv_text(rows=ROWS) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["ID", "NOM", "CP", "VILLE", "MOTS"])
    writer.writerows(rows)
    return out.getvalue()


def setup_partners():
    services.ensure_site_tree()
    ours = services.upsert_partner("Réseau des tiers-lieux")
    theirs = services.upsert_partner("Annuaire voisin")
    speaker = make_user("porte-parole")
    other_speaker = make_user("voisine")
    PartnerRole.objects.create(user=speaker, partner=ours)
    PartnerRole.objects.create(user=other_speaker, partner=theirs)
    member = make_user("simple-membre")
    editor = make_user("redactrice", "redactrice@carrefour.example", is_staff=True)
    editor.groups.add(Group.objects.get(name=EDITORS))
    return {
        "ours": ours,
        "theirs": theirs,
        "speaker": speaker,
        "other_speaker": other_speaker,
        "member": member,
        "editor": editor,
    }
