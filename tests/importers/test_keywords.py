"""Page keywords: joined source labels split at normalisation; no keyword a form can split."""

from __future__ import annotations

from collections import Counter

import pytest
from taggit.utils import edit_string_for_tags, parse_tags

from catalogue.keywords import keyword_names
from importers.normalise.clean import fold
from importers.normalise.csv_sources import apriles_tag_mapping, apriles_vocabulary
from importers.normalise.items import GenericNormaliser
from importers.normalise.keywords import declared_parts, page_keywords, source_labels

from .test_csv_sources import APRILES, FFE, read_apriles_export, read_ffe_laureates

JOINED = {
    "Accessibilité, Mobilité": ["Accessibilité", "Mobilité"],
    "Culture, Sport": ["Culture", "Sport"],
    "Développement urbain, Vie des quartiers": ["Développement urbain", "Vie des quartiers"],
    "Emploi, Formation": ["Emploi", "Formation"],
    "Gouvernance, partenariats institutionnels": ["Gouvernance", "Partenariats institutionnels"],
    "Logement, Habitat": ["Logement", "Habitat"],
    "Loisirs, Vacances": ["Loisirs", "Vacances"],
    "Petite enfance, modes de garde": ["Petite enfance", "Modes de garde"],
}


class _Tag:
    def __init__(self, name):
        self.name = name


def _round_trip(names):
    """What taggit's form field gives back from the string it renders for these names."""
    return parse_tags(edit_string_for_tags([_Tag(n) for n in names]))


def test_the_apriles_vocabulary_declares_its_eight_joined_labels():
    joined = [label for label in apriles_vocabulary() if "," in label]
    assert sorted(joined) == sorted(JOINED)
    assert declared_parts() == {fold(k): tuple(v) for k, v in JOINED.items()}
    for label, parts in JOINED.items():
        assert page_keywords([label]) == parts
        # The codes still follow the source's whole label.
        assert apriles_tag_mapping()[fold(label)]


def test_keyword_rule_lists_phrases_quotes_and_semicolons():
    assert keyword_names(["Education, formation, langues"]) == ["Education", "Formation", "Langues"]
    # A comma inside a phrase (long parts, parentheses) is not a list: the words stay together.
    assert keyword_names(["Changement climatique, gestion et prévention des risques"]) == [
        "Changement climatique – gestion et prévention des risques"
    ]
    assert keyword_names(["Dynamiques culturelles (cohabitation des cultures, héritage)"]) == [
        "Dynamiques culturelles (cohabitation des cultures – héritage)"
    ]
    assert keyword_names(['Le "tiers-lieu"; Jeunesse ; jeunesse', " ", ",", ""]) == [
        "Le tiers-lieu",
        "Jeunesse",
    ]
    # Slashes are kept: one FFE sub-theme, one Semeoz category.
    assert keyword_names(["Aménagement/Habitat", "Arts / Culture"]) == [
        "Aménagement/Habitat",
        "Arts / Culture",
    ]
    assert len(keyword_names(["x" * 300])[0]) == 100


def test_source_labels_keep_known_labels_whole_for_recoding():
    # Known mapping entries (cis-tag-mappings.json) keep their commas in the raw labels...
    assert source_labels("Education, formation, langues | Robotique, Drones") == [
        "Education, formation, langues",
        "Robotique",
        "Drones",
    ]
    assert source_labels("Emploi, Formation\nnull; Jeunesse") == ["Emploi, Formation", "Jeunesse"]
    # ...and the generic harvest normaliser recodes from them while the page gets keywords.
    item = {
        "url": "https://exemple.org/p/1",
        "fields": {
            "title": ["Un projet"],
            "tags": ["Education, formation, langues", "Emploi, Formation; Culture"],
        },
    }
    record = GenericNormaliser().record(item)
    assert record.raw_tags == ["Education, formation, langues", "Emploi, Formation", "Culture"]
    assert record.tags == ["Education", "Formation", "Langues", "Emploi", "Culture"]


@pytest.mark.parametrize("reader,path", [(read_ffe_laureates, FFE), (read_apriles_export, APRILES)])
def test_every_real_record_has_keywords_a_form_gives_back(reader, path):
    records = list(reader(path))
    used = Counter()
    for record in records:
        assert not any("," in t or '"' in t for t in record.tags), record.tags
        assert sorted(_round_trip(record.tags)) == sorted(record.tags)
        assert keyword_names(record.tags) == record.tags  # the catalogue's guard changes nothing
        used.update(label for label in record.raw_tags if label in JOINED)
    assert sum(1 for r in records if r.tags) > 0.9 * len(records)
    if reader is read_apriles_export:
        # The joined labels are the source's raw tags of 168 of the 330 sample projects.
        assert set(used) == set(JOINED)
        assert sum(1 for r in records if set(r.raw_tags) & set(JOINED)) == 168


@pytest.mark.django_db
def test_unknown_keyword_counts_pages_not_runs():
    """41 pages carrying an unmapped keyword, harvested twice (one page listed twice): 41."""
    from importers.models import Source, UnknownTag
    from importers.recoding import Recoder

    source = Source.objects.create(
        name="Partenaire inconnu", kind="csv", config={"url": "https://example.org/x.csv"}
    )
    for _run in range(2):
        recoder = Recoder(source, label="Partenaire inconnu")
        for n in range(41):
            recoder.recode(["Ressourcerie", "Tiers-lieux"], f"https://example.org/p/{n}")
        recoder.recode(["Ressourcerie"], "https://example.org/p/0")
        assert recoder.save_unknown() == 2
    counts = dict(UnknownTag.objects.filter(source=source).values_list("tag", "occurrences"))
    assert counts == {"Ressourcerie": 41, "Tiers-lieux": 41}
