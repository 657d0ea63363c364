"""Field cleaners of importers.normalise.clean, on values taken from the real exports."""

from __future__ import annotations

import datetime

import pytest

from importers.normalise.clean import (
    clean_email,
    clean_multiline,
    clean_phone,
    clean_postal_code,
    clean_text,
    clean_url,
    clean_year,
    guess_structure_kind,
    is_placeholder,
    split_links,
    split_tags,
)

APRILES_VOCABULARY = [
    "Emploi, Formation",
    "Education",
    "Jeunesse",
    "Lutte contre l'exclusion sociale",
    "Gouvernance, partenariats institutionnels",
    "Culture, Sport",
    "Vie des séniors",
]


@pytest.mark.parametrize(
    "raw",
    ["null", "NULL", "None", "NR ", "N/R", "n.c.", "default", "-", ",", "''", "  ", None],
)
def test_placeholders_become_empty(raw):
    assert clean_text(raw) == ""
    assert clean_multiline(raw) == ""
    assert clean_url(raw) == ""
    assert clean_email(raw) == ""


def test_is_placeholder_is_case_insensitive_and_not_greedy():
    assert is_placeholder(" Default ")
    assert not is_placeholder("NRJ")
    assert clean_text("Nord") == "Nord"


def test_clean_text_strips_markup_entities_and_spaces():
    raw = "<p>Hello&nbsp;<b>world</b></p><script>alert('x')</script>\u200b  again"
    assert clean_text(raw) == "Hello world again"
    # Entities are decoded once: what was escaped twice stays an entity, as text (decoding
    # again is what turned "&amp;lt;img onerror&amp;gt;" into an element).
    assert clean_text("caf&eacute; &lt;b&gt;") == "café <b>"
    assert clean_text("caf&amp;eacute; &amp;lt;b&amp;gt;") == "caf&eacute; &lt;b&gt;"
    assert clean_text("a < b & c") == "a < b & c"
    assert clean_text("  EDUCATION ET JEUNESSE  ") == "EDUCATION ET JEUNESSE"
    # NFC: a decomposed "é" (e + combining acute) is recomposed.
    assert clean_text("Le\u0301gumerie") == "Légumerie"
    assert clean_text(2014) == "2014"


def test_clean_multiline_keeps_paragraphs_and_lines():
    raw = "activités : \r\n- La collecte\n\n\n\n- Le déménagement  à vélo"
    assert clean_multiline(raw) == "activités :\n- La collecte\n\n- Le déménagement à vélo"
    assert clean_multiline("<p>One  two</p><p>Three<br>four</p>") == "One two\n\nThree\nfour"


@pytest.mark.parametrize(
    ("raw", "url"),
    [
        ("http://http.www.//different-et-competent.org", "http://www.different-et-competent.org"),
        ("www.ademe.fr", "https://www.ademe.fr"),  # no scheme: https
        ("ademe.fr/page", "https://ademe.fr/page"),
        ("HTTP://WWW.Example.ORG/Path?a=1", "http://www.example.org/Path?a=1"),
        (
            "https://twitter.com/lacravatesolidr?lang=fr",
            "https://twitter.com/lacravatesolidr?lang=fr",
        ),
        ("http://http//site.org/x", "http://site.org/x"),
        ("  http://www.famillesrurales.org  ", "http://www.famillesrurales.org"),
        ("mailto:anon-7589a5ac@croix-rouge.fr", ""),
        ("javascript:alert(1)", ""),
        ("ftp://files.example.org", ""),
        ("http://localhost/admin", ""),
        ("Lien internet:", ""),
        ("http://", ""),
        # Escaped colon in some exports ("\\c" for ":"): repaired, not dropped.
        ("http\\c//www.example.fr/page", "http://www.example.fr/page"),
        ("HTTPS\\c//example.org", "https://example.org"),
        ("javascript\\c//alert(1)", ""),
    ],
)
def test_clean_url(raw, url):
    assert clean_url(raw) == url


def test_clean_email_and_split_links():
    assert clean_email("MAILTO:Foo.Bar@Example.COM?subject=x") == "foo.bar@example.com"
    assert clean_email("anon-2af5f069@diapasom.org") == "anon-2af5f069@diapasom.org"
    assert clean_email("foo@bar") == ""
    assert clean_email("not an email") == ""
    urls, emails = split_links(
        "mailto:anon-23806517@famillesrurales.org http://www.famillesrurales.org"
    )
    assert urls == ["http://www.famillesrurales.org"]
    assert emails == ["anon-23806517@famillesrurales.org"]


@pytest.mark.parametrize(
    ("raw", "national", "international"),
    [
        ("Tel: 03 86 92 37 90", "03 86 92 37 90", "+33 3 86 92 37 90"),
        ("02.98.46.94.81", "02 98 46 94 81", "+33 2 98 46 94 81"),
        ("+33 (0)1 42 28 82 27", "01 42 28 82 27", "+33 1 42 28 82 27"),
        ("0033 6 39 98 12 34", "06 39 98 12 34", "+33 6 39 98 12 34"),
        ("0565241350", "05 65 24 13 50", "+33 5 65 24 13 50"),
        ("12345", "", ""),
        ("00 00 00 00 00", "", ""),
        ("null", "", ""),
    ],
)
def test_clean_phone(raw, national, international):
    assert clean_phone(raw) == national
    assert clean_phone(raw, international=True) == international


def test_clean_year():
    assert clean_year("2014") == 2014
    assert clean_year("Lauréat 2016 ") == 2016
    assert clean_year("Date du CA") is None
    assert clean_year("") is None
    assert clean_year("1850") is None
    assert clean_year(str(datetime.date.today().year + 1)) is None
    assert clean_year(1999) == 1999


def test_clean_postal_code():
    assert clean_postal_code("8000") == "08000"
    assert clean_postal_code("29 200") == "29200"
    assert clean_postal_code("75012 ") == "75012"
    assert clean_postal_code(75012.0) == "75012"
    assert clean_postal_code("NR") == ""
    assert clean_postal_code("123456") == ""


def test_split_tags_without_vocabulary():
    assert split_tags("a | b; c, d\n e, a") == ["a", "b", "c", "d", "e"]
    assert split_tags("null") == []
    assert split_tags("") == []


def test_split_tags_with_vocabulary_keeps_labels_with_commas():
    raw = (
        "Jeunesse Emploi, Formation Education Lutte contre l'exclusion sociale "
        "Gouvernance, partenariats institutionnels"
    )
    assert split_tags(raw, APRILES_VOCABULARY) == [
        "Jeunesse",
        "Emploi, Formation",
        "Education",
        "Lutte contre l'exclusion sociale",
        "Gouvernance, partenariats institutionnels",
    ]
    # Case and accents do not matter; the vocabulary's spelling is returned.
    assert split_tags("vie des seniors | EMPLOI, formation", APRILES_VOCABULARY) == [
        "Vie des séniors",
        "Emploi, Formation",
    ]
    assert split_tags("Jeunesse Robotique", APRILES_VOCABULARY) == ["Jeunesse"]
    assert split_tags("Jeunesse Robotique", APRILES_VOCABULARY, keep_unknown=True) == [
        "Jeunesse",
        "Robotique",
    ]


def test_guess_structure_kind():
    assert guess_structure_kind("Mairie de Dijon") == "collectivite"
    assert guess_structure_kind("CCAS de Grenoble") == "collectivite"
    assert guess_structure_kind("Association Tandem") == "association"
    assert guess_structure_kind("Coopérative Le Champ Commun") == "ess"
    assert guess_structure_kind("DIAPASOM") == ""


def test_summary_cuts_at_a_sentence_and_the_description_keeps_the_whole_text():
    """A long first paragraph: the summary ends on a whole sentence; the description keeps
    every paragraph and list item (as rich text too)."""
    from catalogue.sanitise import text_to_rich_text
    from importers.normalise.csv_sources import SUMMARY_LENGTH, _summary

    first = "Le jardin partagé accueille les habitants du quartier. " * 4 + (
        "Il propose des ateliers de compostage, de semis et de cuisine tous les samedis "
        "matin avec les bénévoles de l'association et les écoles voisines du centre-ville."
    )
    description = first + "\n\nActivités :\n- compost\n- semis"
    summary = _summary(description)
    assert len(summary) <= SUMMARY_LENGTH
    assert summary.endswith("du quartier.") and "…" not in summary
    rich = text_to_rich_text(description)
    assert "<li>compost</li>" in rich and "<li>semis</li>" in rich and rich.count("<p>") >= 2
    # No sentence end in reach: a word boundary and an ellipsis, never a cut word.
    words = _summary("mot " * 200)
    assert words.endswith("mot…") and len(words) <= SUMMARY_LENGTH + 1


def test_a_refused_record_is_reported_with_its_source_id_and_title():
    """Not only "list page 9, n° 34": the run's report names the refused record."""
    from importers.normalise.items import GenericNormaliser
    from importers.pipeline import _with_source_id

    place = {"list_url": "https://partenaire.example.org/liste?page=9", "position": 34}
    [no_title] = GenericNormaliser().feed({"fields": {"identifiant": ["A-17"]}, **place})
    assert no_title.record is None and no_title.position == 34
    assert _with_source_id(no_title) == (
        "Fiche sans titre : aucune page créée. (identifiant dans la source : A-17)"
    )
    [no_id] = GenericNormaliser().feed({"fields": {"titre": ["Repair café du Blosne"]}, **place})
    # Without an id of its own the title is the key: kept, so the record is not refused.
    assert no_id.record is not None and no_id.title == "Repair café du Blosne"
