"""Statistics on real records: counts checked against direct database counts, accessible SVG
charts with their tables, the department map, StatsBlock presets, nothing private counted."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from catalogue import freshness, services
from catalogue.models import ProjectPage, ProjectSource, TaxonomyGroup
from catalogue.records import ProjectRecord
from catalogue.search.query import SearchQuery
from catalogue.stats import compute, statistics
from catalogue.stats.charts import bar_chart, department_map
from tests.catalogue.small_catalogue import catalogue_slice_fixture  # noqa: F401

pytestmark = pytest.mark.django_db


def public_pages():
    return ProjectPage.objects.live().public()


def counts(series):
    return {value: n for value, _label, n in series.rows}


def test_counts_match_the_database(catalogue_slice):
    # Launch years: the sliced records carry few; two more projects give the chart content.
    for n, year in enumerate((2015, 1975, 2015)):
        services.upsert_project(
            ProjectRecord(title=f"Projet daté {n}", source_id=f"year-{n}", start_year=year),
            source_key="Stats test",
        )
    stats = compute()
    pages = public_pages()
    total = pages.count()
    assert all(series.total == total for series in stats.values())
    assert counts(stats["region"]) == dict(
        Counter(pages.exclude(region_code="").values_list("region_code", flat=True))
    )
    assert counts(stats["departement"]) == dict(
        Counter(pages.exclude(department_code="").values_list("department_code", flat=True))
    )
    for family, name in (("domaines", "domaine"), ("publics", "public")):
        expected = {}
        for group in TaxonomyGroup.objects.filter(family=family):
            n = pages.filter(codes__groups=group).distinct().count()
            if n:
                expected[group.slug] = n
        assert counts(stats[name]) == expected and expected
    partners = Counter()
    for _page_id, slug in (
        ProjectSource.objects.filter(project__in=pages, partner__isnull=False)
        .values_list("project_id", "partner__slug")
        .distinct()
    ):
        partners[slug] += 1
    assert counts(stats["partenaire"]) == dict(partners)
    years = Counter(pages.exclude(start_year=None).values_list("start_year", flat=True))
    by_year = counts(stats["annee"])
    assert sum(by_year.values()) == sum(years.values()) >= 3
    for year, n in years.items():
        if year >= 1980:
            assert by_year[str(year)] == n
    assert by_year["<1980"] == sum(n for year, n in years.items() if year < 1980) >= 1
    assert [label for _v, label, _n in stats["annee"].rows][0] == "Avant 1980"
    # Labels are human names, sorted by count.
    region_rows = stats["region"].rows
    assert [n for _v, _l, n in region_rows] == sorted(
        (n for _v, _l, n in region_rows), reverse=True
    )
    assert any(label == "Île-de-France" for _v, label, _n in region_rows)


def test_private_and_unpublished_are_not_counted(catalogue_slice):
    stats = compute()
    assert stats["region"].total == public_pages().count()
    assert ProjectPage.objects.filter(live=True).count() == stats["region"].total + 1  # private
    private = catalogue_slice.private
    freshness.bump()
    before = counts(statistics()["departement"]).get(private.department_code, 0)
    # Made public, it is counted (new data version, new figures).
    private.get_view_restrictions().delete()
    freshness.bump()
    after = counts(statistics()["departement"]).get(private.department_code, 0)
    assert after == before + 1


def test_statistics_restricted_by_presets(catalogue_slice):
    region = catalogue_slice.favourite.region_code
    query = SearchQuery.from_params({}, presets={"region": [region]})
    stats = compute(query)
    assert stats["region"].total == public_pages().filter(region_code=region).count()
    assert set(counts(stats["region"])) == {region}


def test_statistics_page_is_accessible_svg_with_tables(client, catalogue_slice):
    response = client.get("/statistiques/")
    assert response.status_code == 200
    html = response.content.decode()
    # domaine, public, region, departement, map, partner, year: a chart for each with data,
    # a table for each.
    stats = statistics()
    charts = sum(1 for s in stats.values() if s.rows) + (1 if stats["departement"].rows else 0)
    assert charts >= 6
    svgs = re.findall(r"<svg[^>]*>", html)
    assert len(svgs) == charts
    for svg in svgs:
        assert 'role="img"' in svg and "aria-labelledby" in svg
    assert html.count("<title id=") == charts and html.count("<desc id=") == charts
    assert html.count("<table>") == 7
    assert html.count("Aucune donnée pour l") == 7 - charts
    # The numbers of the table are those of the database.
    idf = public_pages().filter(region_code="11").count()
    # Regions and departments link to their territory pages.
    assert re.search(
        rf'<th scope="row"><a href="/territoires/region/11/">Île-de-France</a></th>'
        rf'<td class="number">{idf}</td>',
        html,
    )
    # SVG coordinates are not localised ("12,5" would break the drawing).
    assert not re.search(r'(?:width|x|y|r|cx|cy)="\d+,\d+"', html)


def test_chart_geometry():
    from catalogue.stats import Series

    series = Series(
        "region",
        "Projets par région",
        [("11", "Île-de-France", 40), ("84", "Auvergne-Rhône-Alpes", 10), ("53", "Bretagne", 0)],
        50,
    )
    chart = bar_chart(series)
    widths = [bar.width for bar in chart["bars"]]
    assert widths[0] > widths[1] > widths[2] == 0
    assert widths[0] / widths[1] == pytest.approx(4, rel=0.01)
    deps = department_map(
        Series(
            "departement", "x", [("69", "Rhône", 9), ("29", "Finistère", 1), ("974", "R", 4)], 14
        )
    )
    by_code = {c["code"]: c for c in deps["circles"] + deps["insets"]}
    assert by_code["69"]["r"] > by_code["974"]["r"] > by_code["29"]["r"] > 0
    assert by_code["75"]["r"] == 0
    # Brest is west of Strasbourg and Lille north of Marseille on the drawing.
    assert by_code["29"]["x"] < by_code["67"]["x"]
    assert by_code["59"]["y"] < by_code["13"]["y"]
    assert {i["code"] for i in deps["insets"]} == {"971", "972", "973", "974", "976"}
