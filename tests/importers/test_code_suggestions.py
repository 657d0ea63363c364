"""Code suggestions: what matches and why, and the held-out figure on unseen sources."""

from pathlib import Path

from django.conf import settings

from importers.suggest import LABEL, MAPPING, RULE, Evidence, Suggester
from importers.suggest_data import (
    evaluate_samples,
    evidence_from_tables,
    leave_one_source_out,
    total,
)

SMALL = [
    Evidence("Coworking", ("EMP",), MAPPING, "Semeoz"),
    Evidence("Tiers lieux", ("HAB",), MAPPING, "Semeoz"),
    Evidence("Logement", ("HAB",), LABEL, "HAB"),
    Evidence("Citoyenneté", ("CIT",), LABEL, "CIT"),
    Evidence("Insertion professionnelle", ("INS",), LABEL, "INS"),
    Evidence("Économie sociale et solidaire", ("ECO",), RULE, "Avise"),
]


def codes(suggestions):
    return [s.code for s in suggestions]


def test_exact_match_after_folding_names_its_evidence():
    [s] = Suggester(SMALL).suggest("  COWORKING ")
    assert s.code == "EMP"
    assert [(how, e.origin) for how, e in s.reasons] == [("exact", "Semeoz")]


def test_other_forms_of_the_same_words_match_by_stem():
    [s] = Suggester(SMALL).suggest("logements")
    assert (s.code, s.reasons[0][0]) == ("HAB", "stem")
    assert codes(Suggester(SMALL).suggest("économies sociales et solidaires")) == ["ECO"]


def test_each_known_part_of_a_long_keyword_brings_its_code():
    found = Suggester(SMALL).suggest("Tiers lieux à dominante coworking")
    assert set(codes(found)) == {"EMP", "HAB"}
    assert all(s.reasons[0][0] == "part" for s in found)


def test_a_typo_finds_its_near_match_and_says_so():
    [s] = Suggester(SMALL).suggest("cowrking")
    assert (s.code, s.reasons[0][0]) == ("EMP", "near")


def test_nothing_close_suggests_nothing():
    assert Suggester(SMALL).suggest("blockchain") == []
    assert Suggester(SMALL).suggest("de la") == []
    assert Suggester([]).suggest("logement") == []


def test_a_record_without_keywords_is_suggested_from_its_text():
    suggester = Suggester(SMALL)
    found = suggester.suggest_record(
        [], "Un tiers-lieu pour l'insertion professionnelle des jeunes"
    )
    assert "INS" in codes(found)
    assert suggester.suggest_record([], "") == []
    # Keywords win over the text when they suggest something.
    assert codes(suggester.suggest_record(["Logement"], "insertion professionnelle")) == ["HAB"]


def test_reasons_serialise_for_the_admin():
    [s] = Suggester(SMALL).suggest("Coworking")
    assert s.as_dict()["reasons"] == [
        {"how": "exact", "kind": "mapping", "text": "Coworking", "origin": "Semeoz"}
    ]


def test_a_left_out_source_is_absent_from_the_evidence():
    assert not [e for e in evidence_from_tables(exclude="Semeoz") if e.origin == "Semeoz"]
    assert [e for e in evidence_from_tables() if e.origin == "Semeoz"]


def test_unseen_real_sources_get_a_right_code_on_70_percent_of_tagged_records(capsys):
    """The target: ≥ 70 % of an unseen source's tagged records carry a right code before any
    rule is written, measured on the four real sample sources with their own rules left out."""
    figures = evaluate_samples(Path(settings.SHARED_DATA_DIR))
    everything = total(figures)
    with capsys.disabled():
        for f in [*figures, everything]:
            print(
                f"\n{f.source}: {f.right}/{f.tags} = {f.coverage:.1%} (precision {f.precision:.1%})"
            )
    assert {f.source for f in figures} == {
        "La France s'engage",
        "Apriles",
        "PiNG tiers-lieux",
        "CGET tiers-lieux 2019",
    }
    assert all(f.tags >= 100 for f in figures)
    assert everything.coverage >= 0.70
    assert all(f.coverage >= 0.70 for f in figures)


def test_leave_one_source_out_of_the_mapping_tables(capsys):
    """The target on unseen sources, tag by tag: each of the 30 sources of the shared mapping
    tables predicted from everything else the project knows, none of its own mappings (66.8 %
    before word openings, compounds, keyword parts and the nomenclature's synonyms; 75.0 %
    after, precision 65.4 % → 70.3 %; many tags are a source's own jargon, "Conspirateurs
    positifs")."""
    figures = leave_one_source_out(Path(settings.SHARED_DATA_DIR) / "cis-tag-mappings.json")
    everything = total(figures)
    with capsys.disabled():
        print(
            f"\nleave one source out: {everything.right}/{everything.tags} = {everything.coverage:.1%}"
            f" (precision {everything.precision:.1%})"
        )
    assert len(figures) == 30 and everything.tags == 835
    assert everything.coverage >= 0.70
    # More right tags, not more codes per tag: precision holds.
    assert everything.precision >= 0.65


def test_the_held_out_source_is_nowhere_in_its_evidence():
    """No mapping, rule or table of the source being predicted (the FFE and Apriles tables
    count as their sources' rules); the nomenclature's labels and synonyms stay."""
    for label in (
        "Semeoz",
        "ODAS - APRILES",
        "La France s'engage",
        "PiNG - tiers-lieux Pays de la Loire",
    ):
        evidence = evidence_from_tables(exclude=label)
        assert not [e for e in evidence if e.origin == label]
        assert {e.kind for e in evidence} == {MAPPING, RULE, LABEL}


def test_a_compound_reads_as_its_second_part():
    suggester = Suggester([*SMALL, Evidence("Tourisme", ("TOU",), LABEL, "TOU")])
    [s] = suggester.suggest("Écotourisme")
    assert (s.code, s.reasons[0][0]) == ("TOU", "near")


def test_a_word_of_the_same_opening_is_the_last_resort():
    suggester = Suggester([Evidence("Coopération", ("COO",), LABEL, "COO"), *SMALL])
    assert codes(suggester.suggest("Coopératives")) == ["COO"]
    # "insertion" and "inserer" … open alike, but a word the evidence holds is matched as itself.
    assert codes(suggester.suggest("logement")) == ["HAB"]


def test_each_part_of_a_keyword_is_matched_too():
    suggester = Suggester([*SMALL, Evidence("RSE", ("GOU",), LABEL, "GOU")])
    assert "GOU" in codes(suggester.suggest("Responsabilité sociétale des entreprises (RSE)"))
    assert set(codes(suggester.suggest("Logement / Citoyenneté"))) == {"HAB", "CIT"}


def test_a_near_match_keeps_the_first_letters():
    suggester = Suggester([Evidence("Solaire", ("ENE",), LABEL, "ENE"), *SMALL])
    assert suggester.suggest("scolaire") == []
    assert codes(suggester.suggest("solair")) == ["ENE"]


def test_the_nomenclature_synonyms_are_evidence_in_production(db):
    from importers.suggest_data import evidence_from_db

    synonyms = [e for e in evidence_from_db() if e.text == "covoiturage"]
    assert [(e.codes, e.kind) for e in synonyms] == [(("MOB",), LABEL)]


def test_every_synonym_names_a_code_of_the_nomenclature():
    from importers.suggest_data import synonym_evidence, taxonomy_rows

    known = {code for code, _, _ in taxonomy_rows()}
    evidence = synonym_evidence()
    assert evidence and {c for e in evidence for c in e.codes} <= known
    assert len({(e.text, e.codes) for e in evidence}) == len(evidence)  # each listed once
