"""The open-data API on the real records: contract, filters, pagination, GeoJSON, CSV, OpenAPI,
rate limiting, CORS, and no unpublished or private project in any output."""

from __future__ import annotations

import csv
import io
import json
from collections import Counter

import pytest
from django.conf import settings
from django.core.cache import cache
from django.core.management import call_command
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import translation

from catalogue import opendata, services
from catalogue.api import openapi
from catalogue.models import NomenclatureCode, ProjectPage, TaxonomyGroup
from catalogue.records import ProjectRecord
from catalogue.search.query import FACETS

pytestmark = pytest.mark.django_db


def public_ids():
    return set(ProjectPage.objects.live().public().values_list("pk", flat=True))


def all_api_results(client, params=""):
    """Walk every page of /api/projects through the `next` links."""
    url = reverse("api-projects") + "?page_size=100" + params
    results, pages = [], 0
    while url:
        data = client.get(url).json()
        results += data["results"]
        url = data["next"]
        pages += 1
        assert pages < 50
    return results, data


def test_contract_and_pagination(client, real_catalogue):
    response = client.get("/api/projects?page_size=7")
    assert response.status_code == 200
    data = response.json()
    assert set(data) == {"count", "next", "previous", "facets", "results"}
    expected = public_ids()
    assert data["count"] == len(expected) > 100
    assert data["previous"] is None
    assert data["next"].startswith("http://testserver/api/projects?")
    assert "page=2" in data["next"] and "page_size=7" in data["next"]
    assert len(data["results"]) == 7
    second = client.get(data["next"]).json()
    assert second["previous"].startswith("http://testserver/api/projects?")
    assert not {r["id"] for r in data["results"]} & {r["id"] for r in second["results"]}
    results, last = all_api_results(client)
    ids = [r["id"] for r in results]
    assert len(ids) == len(set(ids)) == data["count"]
    assert set(ids) == expected
    assert last["next"] is None
    assert client.get("/api/projects?page=999").status_code == 404


def test_record_fields(client, real_catalogue):
    page = real_catalogue.favourite
    data = client.get("/api/projects?coup_de_coeur=1").json()
    assert data["count"] == 1
    record = data["results"][0]
    assert record["id"] == page.pk
    assert record["url"] == "http://testserver" + page.url
    assert record["title"] == page.title
    assert record["lat"] == page.latitude and record["lng"] == page.longitude
    assert record["insee"] == page.insee_code
    assert record["department"] == page.department_code
    assert record["region_name"] == page.region_name
    assert sorted(record["codes"]) == sorted(c.code for c in page.codes.all())
    assert record["coup_de_coeur"] is True
    stated = [s["licence"] for s in record["sources"]]
    assert record["licence"] == (" | ".join(dict.fromkeys(stated)) if all(stated) else None)
    assert record["sources"] and record["sources"][0]["source_url"].startswith("http")
    assert set(record["sources"][0]) == {"partner", "source_url", "still_listed", "licence"}
    # The public contact fields of people are not part of open data.
    assert "contact_email" not in record and "contact_phone" not in record


def test_facet_filter_matches_database(client, real_catalogue):
    group = (
        TaxonomyGroup.objects.filter(family="domaines", codes__projects__live=True)
        .distinct()
        .first()
    )
    expected = set(
        ProjectPage.objects.live().public().filter(codes__groups=group).values_list("pk", flat=True)
    )
    results, data = all_api_results(client, f"&domaine={group.slug}")
    assert data["count"] == len(expected) > 0
    assert {r["id"] for r in results} == expected
    assert all(group.slug in r["groups"] for r in results)
    facet = {item["value"]: item for item in data["facets"]["domaine"]}
    assert facet[group.slug]["selected"] is True
    # Two facets: AND across facets.
    region = Counter(r["region"] for r in results if r["region"]).most_common(1)[0][0]
    both, data = all_api_results(client, f"&domaine={group.slug}&region={region}")
    assert data["count"] == len([r for r in results if r["region"] == region]) > 0


def test_empty_result(client, real_catalogue):
    data = client.get("/api/projects", {"q": "zzzxqw"}).json()
    assert data == {
        "count": 0,
        "next": None,
        "previous": None,
        "facets": data["facets"],
        "results": [],
    }


def test_text_search_is_accent_insensitive(client, real_catalogue):
    counts = {
        q: client.get("/api/projects", {"q": q}).json()["count"]
        for q in ("santé", "sante", "SANTE")
    }
    assert len(set(counts.values())) == 1 and counts["sante"] > 0


def test_geojson_is_valid_rfc7946(client, real_catalogue):
    response = client.get("/api/projects.geojson")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/geo+json"
    data = json.loads(b"".join(response.streaming_content))
    assert data["type"] == "FeatureCollection"
    assert data["licence"] == "Licence Ouverte 2.0"
    features = data["features"]
    assert {f["id"] for f in features} == public_ids()
    pages = {
        p.pk: p
        for p in ProjectPage.objects.filter(pk__in=[f["id"] for f in features]).only(
            "latitude", "longitude"
        )
    }
    located = 0
    for feature in features:
        assert feature["type"] == "Feature"
        assert set(feature) == {"type", "id", "geometry", "properties"}
        page = pages[feature["id"]]
        if feature["geometry"] is None:
            assert page.latitude is None
            continue
        located += 1
        assert feature["geometry"]["type"] == "Point"
        lng, lat = feature["geometry"]["coordinates"]  # RFC 7946: longitude first
        assert (lat, lng) == (page.latitude, page.longitude)
        assert -180 <= lng <= 180 and -90 <= lat <= 90
        assert "lat" not in feature["properties"]
    assert located > 100
    # Metropolitan France: latitudes above 41°, longitudes below 10° (the order is not swapped).
    metro = [f for f in features if f["geometry"] and f["properties"]["department"][:2] < "97"]
    assert all(f["geometry"]["coordinates"][1] > 41 for f in metro)
    # Same filters as the JSON API; `page` gives one page.
    one_page = client.get("/api/projects.geojson?page=2&page_size=5")
    assert len(json.loads(b"".join(one_page.streaming_content))["features"]) == 5


def read_csv(response):
    text = b"".join(response.streaming_content).decode("utf-8")
    return text, list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))


def test_csv_escaping_and_formula_neutralisation(client, real_catalogue):
    record = ProjectRecord(
        title='=HYPERLINK("http://evil.example/","cliquez"), et "guillemets"',
        source_id="csv-test-1",
        source_url="https://example.org/projet/csv-1",
        summary="Ligne une\nligne deux, avec virgule\r\nfin",
        structure_name="+33 collectif",
        city="@Lyon",
        address="-1 rue de la Formule",
        postal_code="69001",
        insee_code="69381",
        latitude=45.767,
        longitude=4.834,
        tags=["\tindent", "normal"],
        codes=["HAB"],
    )
    page = services.upsert_project(record, source_key="CSV test").page
    response = client.get("/api/projects.csv", {"q": "evil"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    text, rows = read_csv(response)
    assert not text.startswith("\ufeff")
    assert len(rows) == 1
    row = rows[0]
    assert row["id"] == str(page.pk)
    assert row["title"] == "'" + record.title  # formula neutralised, comma and quotes intact
    assert row["summary"] == record.summary.replace("\r\n", "\n") or row["summary"] == (
        record.summary
    )
    assert row["structure"] == "'+33 collectif"
    assert row["city"] == "'@Lyon"
    assert row["address"] == "'-1 rue de la Formule"
    assert row["lng"] == "4.834"  # numbers stay numbers
    assert row["codes"] == "HAB"
    assert row["licence"] == ""  # its source states no licence: never the blanket one
    assert row["sources"] == "CSV test"
    assert row["source_urls"] == "https://example.org/projet/csv-1"
    # BOM option for spreadsheets.
    text, rows = read_csv(client.get("/api/projects.csv", {"q": "evil", "bom": "1"}))
    assert text.startswith("\ufeff") and len(rows) == 1


def test_csv_full_export_matches_api(client, real_catalogue):
    text, rows = read_csv(client.get("/api/projects.csv"))
    assert {int(r["id"]) for r in rows} == public_ids()
    assert rows[0].keys() >= {"id", "url", "title", "lat", "lng", "sources", "licence"}


def test_openapi_lists_every_parameter_and_value(client, real_catalogue):
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    spec = response.json()
    assert spec["openapi"].startswith("3.1")
    parameters = spec["components"]["parameters"]
    operation = spec["paths"]["/api/projects"]["get"]
    names = {ref["$ref"].rsplit("/", 1)[1] for ref in operation["parameters"]}
    expected = set(FACETS) | {
        "q",
        "commune",
        "rayon",
        "bbox",
        "territoire",
        "tri",
        "page",
        "page_size",
    }
    assert names == expected
    assert {"/api/projects.geojson", "/api/projects.csv", "/api/map"} <= set(spec["paths"])
    enum = parameters["domaine"]["schema"]["items"]["enum"]
    assert enum == list(
        TaxonomyGroup.objects.filter(family="domaines").values_list("slug", flat=True)
    )
    codes = parameters["code"]["schema"]["items"]["enum"]
    assert sorted(codes) == sorted(NomenclatureCode.objects.values_list("code", flat=True))
    assert len(codes) == 40
    assert "apriles" in parameters["partenaire"]["schema"]["items"]["enum"]
    # Values are read at request time: a new group appears at once.
    TaxonomyGroup.objects.create(slug="nouveau-domaine", family="domaines", name="Nouveau")
    spec = client.get("/api/openapi.json").json()
    assert (
        "nouveau-domaine" in spec["components"]["parameters"]["domaine"]["schema"]["items"]["enum"]
    )
    # Every property of the record schema is a field of the records.
    record = client.get("/api/projects?page_size=1").json()["results"][0]
    assert set(spec["components"]["schemas"]["Project"]["properties"]) == set(record)


def test_documentation_page(client, real_catalogue, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    opendata.write_dumps()
    response = client.get("/api/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Licence Ouverte 2.0" in html
    assert "/api/openapi.json" in html
    assert "/media/opendata/carrefour-projets.csv" in html
    assert "coup_de_coeur" in html and "departement" in html


def test_dumps_are_the_exports_of_each_format_written_in_one_pass(real_catalogue, tmp_path):
    """The three dumps share one reading of the catalogue: each file is exactly what the
    single-format export writes (the generation time aside). A failure half-way leaves the
    previous dumps in place and no temporary file behind."""
    import re

    written = opendata.write_dumps(tmp_path)
    assert sorted(written) == sorted(opendata.FORMATS)

    def undated(text):
        return re.sub(r'"generated_at":"[^"]+"', '"generated_at":"T"', text)

    for fmt, path in written.items():
        single = io.StringIO()
        count = opendata.write(fmt, single, bom=(fmt == "csv"))
        assert count > 100
        assert undated(path.read_bytes().decode("utf-8")) == undated(single.getvalue())
    before = {fmt: path.read_bytes() for fmt, path in written.items()}

    serialise = opendata.serialise

    def broken(ids, urls=None):
        yield from serialise(ids[:3], urls)
        raise RuntimeError("base de données indisponible")

    from unittest import mock

    with mock.patch.object(opendata, "serialise", broken), pytest.raises(RuntimeError):
        opendata.write_dumps(tmp_path)
    assert {fmt: path.read_bytes() for fmt, path in written.items()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(opendata.DUMP_NAMES.values())


# --- The OpenAPI document in the chosen language (French unless the language cookie says en). ---

TEXT_KEYS = {"title", "summary", "description"}
# Texts that read the same in both languages.
SAME_IN_BOTH = {"Latitude (WGS 84).", "Longitude (WGS 84)."}


def english_client():
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def texts(node, path=()):
    """path -> human-readable text of an OpenAPI document (titles, summaries, descriptions)."""
    found = {}
    items = node.items() if isinstance(node, dict) else enumerate(node)
    for key, value in items:
        if key in TEXT_KEYS and isinstance(value, str):
            found[(*path, key)] = value
        elif isinstance(value, dict | list):
            found.update(texts(value, (*path, key)))
    return found


def skeleton(node):
    """The document with its human-readable text blanked: what must not depend on the language."""
    if isinstance(node, dict):
        return {
            key: "…" if key in TEXT_KEYS and isinstance(value, str) else skeleton(value)
            for key, value in node.items()
        }
    if isinstance(node, list):
        return [skeleton(value) for value in node]
    return node


def test_openapi_follows_the_chosen_language(client, real_catalogue):
    french_response = client.get("/api/openapi.json")
    english_response = english_client().get("/api/openapi.json")
    assert french_response["Content-Language"] == "fr"
    assert english_response["Content-Language"] == "en"
    # Valid JSON both ways.
    french = json.loads(french_response.content.decode())
    english = json.loads(english_response.content.decode())

    french_params = french["components"]["parameters"]
    english_params = english["components"]["parameters"]
    assert french_params["q"]["description"].startswith("Texte libre (titre, résumé")
    assert english_params["q"]["description"] == (
        "Free text (title, summary, description, organisation, municipality, keywords). "
        "Case- and accent-insensitive."
    )
    assert french_params["domaine"]["description"].startswith(
        "Domaine (groupe de thématiques de la famille « Domaines »), par identifiant. "
        "Plusieurs valeurs : "
    )
    assert english_params["domaine"]["description"].startswith(
        "Field (a group of themes of the “Fields” family), by identifier. Several values: "
    )
    assert english_params["page_size"]["description"] == (
        "Results per page (20 by default, 100 at most)."
    )
    assert english["info"]["title"] == "Carrefour of social innovations — open API"
    assert "Data under the Licence Ouverte 2.0" in english["info"]["description"]
    assert english["components"]["schemas"]["Project"]["properties"]["id"]["description"] == (
        "Stable identifier of the record on Carrefour."
    )

    # Identifiers do not move: parameter names, enum values, paths, operations, field names.
    assert list(english_params) == list(french_params)
    for name, param in french_params.items():
        assert english_params[name]["name"] == param["name"] == name
        assert english_params[name]["schema"] == param["schema"]
    assert english_params["domaine"]["schema"]["items"]["enum"]
    assert english_params["tri"]["schema"]["enum"] == [
        "relevance",
        "newest",
        "title",
        "nearest",
        "confirmed",
    ]
    assert skeleton(english) == skeleton(french)

    # Every text is translated (the same places hold text in both documents).
    french_texts, english_texts = texts(french), texts(english)
    assert french_texts.keys() == english_texts.keys() and len(french_texts) > 60
    untranslated = {
        path: text
        for path, text in english_texts.items()
        if text == french_texts[path] and text not in SAME_IN_BOTH
    }
    assert untranslated == {}


def test_openapi_ignores_an_english_browser_without_the_cookie(client, real_catalogue):
    """As the pages: Accept-Language alone does not switch the document to English."""
    response = client.get("/api/openapi.json", HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.9")
    assert response["Content-Language"] == "fr"
    assert response.json()["components"]["parameters"]["q"]["description"].startswith("Texte libre")


def test_openapi_builder_evaluates_translations_at_call_time(real_catalogue):
    """Module-level descriptions are lazy: each build speaks the active language, as plain str."""
    with translation.override("en"):
        english = openapi.build("https://carrefour.example")
        labels = openapi.facet_values()
    with translation.override("fr"):
        french = openapi.build("https://carrefour.example")
    # Plain json (no DjangoJSONEncoder): a lazy string left in the document would raise here.
    assert json.loads(json.dumps(english)) == english
    assert json.loads(json.dumps(french)) == french
    assert skeleton(english) == skeleton(french)
    assert french["components"]["parameters"]["stade"]["description"].startswith(
        "Stade du projet. Plusieurs valeurs"
    )
    assert english["components"]["parameters"]["stade"]["description"].startswith(
        "Stage of the project. Several values"
    )
    # Facet value labels shown by the /api/ page: vocabularies translated, values unchanged.
    assert labels["reference"] == [
        {"value": "oui", "label": "Still listed"},
        {"value": "non", "label": "No longer listed"},
    ]
    assert labels["coup_de_coeur"] == [{"value": "1", "label": "Editors' picks"}]
    assert {"value": "ideation", "label": "Ideation"} in labels["stade"]
    assert all(isinstance(item["label"], str) for items in labels.values() for item in items)


def test_documentation_page_in_english(real_catalogue):
    html = english_client().get("/api/").content.decode()
    assert "Stable identifier of the record on Carrefour." in html  # a field
    assert "Field (a group of themes of the “Fields” family), by identifier." in html  # a facet
    assert "<code>non</code> : No longer listed" in html  # a facet value
    assert "Identifiant stable de la fiche" not in html and "Plus référencé" not in html


@override_settings(API_RATE_LIMIT="3/60")
def test_rate_limit_answers_429_with_retry_after(client, real_catalogue):
    cache.clear()
    for _ in range(3):
        assert client.get("/api/projects?page_size=1").status_code == 200
    response = client.get("/api/projects.csv")
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 60
    # Another client IP is not limited.
    assert client.get("/api/projects?page_size=1", REMOTE_ADDR="10.1.2.3").status_code == 200
    cache.clear()


def test_cors_open_for_get(client, real_catalogue):
    response = client.get("/api/projects?page_size=1", HTTP_ORIGIN="https://reuse.example")
    assert response["Access-Control-Allow-Origin"] == "*"
    response = client.get("/api/map?zoom=5", HTTP_ORIGIN="https://reuse.example")
    assert response["Access-Control-Allow-Origin"] == "*"


def test_no_private_or_unpublished_project_in_any_output(client, real_catalogue, tmp_path):
    hidden = {real_catalogue.private.pk, real_catalogue.unpublished.pk}
    hidden_titles = {real_catalogue.private.title, real_catalogue.unpublished.title}
    # JSON API (every page), GeoJSON, CSV.
    results, _data = all_api_results(client)
    assert not hidden & {r["id"] for r in results}
    geo = json.loads(b"".join(client.get("/api/projects.geojson").streaming_content))
    assert not hidden & {f["id"] for f in geo["features"]}
    _text, rows = read_csv(client.get("/api/projects.csv"))
    assert not hidden & {int(r["id"]) for r in rows}
    # Searching for them by title finds nothing.
    for title in hidden_titles:
        found = client.get("/api/projects", {"q": title}).json()["results"]
        assert not hidden & {r["id"] for r in found}
    # Dumps and the export command.
    written = opendata.write_dumps(tmp_path)
    dump = json.loads(written["json"].read_text(encoding="utf-8"))
    assert dump["count"] == len(dump["results"]) == len(public_ids())
    assert not hidden & {r["id"] for r in dump["results"]}
    geo = json.loads(written["geojson"].read_text(encoding="utf-8"))
    assert not hidden & {f["id"] for f in geo["features"]}
    text = written["csv"].read_text(encoding="utf-8")
    assert text.startswith("\ufeff")
    ids = {int(r["id"]) for r in csv.DictReader(io.StringIO(text.removeprefix("\ufeff")))}
    assert ids == public_ids() and not hidden & ids
    # Map popups refuse them.
    for pk in hidden:
        assert client.get(reverse("api-map-point", args=[pk])).status_code == 404


def test_export_command_contract(client, real_catalogue, tmp_path):
    output = tmp_path / "apriles.csv"
    call_command("export_projects", "--format", "csv", "--source", "Apriles", "--output", output)
    rows = list(csv.DictReader(io.StringIO(output.read_text(encoding="utf-8"))))
    expected = set(
        ProjectPage.objects.live()
        .public()
        .filter(sources__source_key="Apriles")
        .values_list("pk", flat=True)
    )
    assert {int(r["id"]) for r in rows} == expected and len(expected) > 50
    assert all("APRILES" in r["sources"] for r in rows)
    out = io.StringIO()
    call_command("export_projects", "--format", "json", stdout=out, stderr=io.StringIO())
    data = json.loads(out.getvalue())
    assert data["count"] == len(public_ids())
    # Same field names (and order) as the API.
    api_record = client.get("/api/projects?page_size=1").json()["results"][0]
    assert list(data["results"][0]) == list(api_record)
    out = io.StringIO()
    call_command("export_projects", "--format", "geojson", stdout=out, stderr=io.StringIO())
    assert json.loads(out.getvalue())["type"] == "FeatureCollection"


def test_each_record_carries_its_sources_licence_never_an_unstated_blanket(client, real_catalogue):
    """On the real sample: PiNG and CGET state the Licence Ouverte, FFE and Apriles their own
    terms; a source stating nothing gives null (documented in the schema), never the blanket."""
    records = client.get("/api/projects", {"page_size": 100}).json()["results"]
    assert records
    for record in records:
        stated = [s["licence"] for s in record["sources"]]
        if not record["sources"]:
            assert record["licence"] == "Licence Ouverte 2.0"
        elif all(stated):
            assert record["licence"] == " | ".join(dict.fromkeys(stated))
            assert (record["licence_url"] is not None) == record["licence"].startswith(
                "Licence Ouverte 2.0"
            )
        else:
            assert record["licence"] is None and record["licence_url"] is None
    schema = client.get("/api/openapi.json").json()["components"]["schemas"]["Project"]
    assert "null" in schema["properties"]["licence"]["description"]


def test_records_carry_the_description_as_text_and_as_sanitised_html(client, real_catalogue):
    """The open data carries what a project is (issue 12): its description as plain text that
    keeps paragraphs and list items, and as sanitised HTML, in the JSON, GeoJSON and CSV; a
    partner's markup stays text, and HTML stored around the sanitiser never leaves active."""
    from tests.hostile import ALL_PAYLOADS, MARK, active_markup

    record = ProjectRecord(
        title="Description riche",
        source_id="desc-1",
        source_url="https://example.org/projet/desc-1",
        description="Un lieu   partagé.\n\nDeux\nlignes\n\n- un\n- deux & trois\n\n" + ALL_PAYLOADS,
    )
    page = services.upsert_project(record, source_key="Description test").page

    def exported():
        data = client.get("/api/projects", {"q": "Description riche"}).json()["results"]
        [found] = [r for r in data if r["id"] == page.pk]
        return found

    found = exported()
    assert found["description"].startswith(
        "Un lieu partagé.\n\nDeux\nlignes\n\n- un\n- deux & trois\n\n"
    )
    assert "<script>alert('XSSMARK')</script>" in found["description"]  # text, as typed
    html = found["description_html"]
    assert "<li>un</li>" in html and html.startswith("<p>Un lieu partagé.</p>")
    assert active_markup(html, fragment=True) == []
    # GeoJSON and CSV carry the same.
    features = json.loads(b"".join(client.get("/api/projects.geojson").streaming_content))
    [feature] = [f for f in features["features"] if f["id"] == page.pk]
    assert feature["properties"]["description_html"] == html
    _text, rows = read_csv(client.get("/api/projects.csv", {"q": "Description riche"}))
    [row] = [r for r in rows if r["id"] == str(page.pk)]
    assert row["description_html"] == html
    assert row["description"].replace("\r\n", "\n") == found["description"]
    # HTML stored around the sanitiser (an old row, a raw write) is sanitised on the way out.
    ProjectPage.objects.filter(pk=page.pk).update(description="<p>Bonjour</p>" + ALL_PAYLOADS)
    cache.clear()
    found = exported()
    assert found["description_html"].startswith("<p>Bonjour</p>")
    assert active_markup(found["description_html"], fragment=True) == []
    assert found["description"].startswith("Bonjour") and "<script" not in found["description"]
    assert MARK in found["description"]
    # Documented in the OpenAPI schema.
    schema = client.get("/api/openapi.json").json()["components"]["schemas"]["Project"]
    assert {"description", "description_html"} <= set(schema["required"])
    assert "texte brut" in schema["properties"]["description"]["description"]
    assert "HTML assaini" in schema["properties"]["description_html"]["description"]
