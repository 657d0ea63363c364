"""The search engine on real records (FFE laureates + Apriles harvest, loaded through the
catalogue's services): accents, stemming, facet counts against direct database counts,
combined filters, geo radius, sorting, index upkeep, and nothing private or unpublished.
"""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models import Count, Q
from django.http import QueryDict
from wagtail.models import PageViewRestriction

from catalogue import freshness, geography
from catalogue.confirmation import confirmations, facet_values
from catalogue.models import ProjectFacetValue, ProjectPage, ProjectSearchEntry, ProjectSource
from catalogue.search import SearchQuery, bitmaps, idsets, ranking
from catalogue.search.engine import execute, facet_counts, matching_entries, text_terms
from catalogue.search.query import FACETS
from catalogue.search.text import fold, normalise

pytestmark = pytest.mark.django_db


# --- direct database truth -------------------------------------------------------------------
def visible():
    return ProjectPage.objects.live().public()


def _freshness(qs) -> dict[int, set[str]]:
    """Each page's freshness values, read from its sources and confirmations (not the index)."""
    pages = dict(qs.values_list("pk", "last_published_at"))
    found = confirmations(pages, pages)
    return {pk: {value for _f, value in facet_values(c)} for pk, c in found.items()}


def orm_filter(qs, facet, values):
    """The ORM's own reading of a facet filter, independent of the index."""
    if facet in ("domaine", "public", "methode"):
        ids = ProjectPage.objects.filter(codes__groups__slug__in=values).values("pk")
    elif facet == "code":
        ids = ProjectPage.objects.filter(codes__code__in=values).values("pk")
    elif facet == "suggere":  # suggested codes (never stored for a code the page carries)
        ids = ProjectPage.objects.filter(suggested_codes__code__code__in=values).values("pk")
    elif facet == "partenaire":
        ids = ProjectPage.objects.filter(sources__partner__slug__in=values).values("pk")
    elif facet == "reference":
        listed = Q(sources__still_listed=True) | Q(sources__isnull=True)
        listed_ids = ProjectPage.objects.filter(listed).values("pk")
        if set(values) == {"oui"}:
            return qs.filter(pk__in=listed_ids)
        if set(values) == {"non"}:
            return qs.exclude(pk__in=listed_ids)
        return qs
    elif facet == "coup_de_coeur":
        return qs.filter(coup_de_coeur=True)
    elif facet == "fraicheur":
        return qs.filter(pk__in=[pk for pk, found in _freshness(qs).items() if found & set(values)])
    else:
        column = {
            "structure": "structure_kind",
            "stade": "stage",
            "echelle": "scale",
            "region": "region_code",
            "departement": "department_code",
        }[facet]
        return qs.filter(**{f"{column}__in": values})
    return qs.filter(pk__in=ids)


def orm_matching(filters: dict, exclude=None):
    qs = visible()
    for facet, values in filters.items():
        if facet != exclude:
            qs = orm_filter(qs, facet, values)
    return qs


ORM_GROUPING = {
    "domaine": ("codes__groups__slug", Q(codes__groups__family="domaines")),
    "public": ("codes__groups__slug", Q(codes__groups__family="publics")),
    "methode": ("codes__groups__slug", Q(codes__groups__family="methodes")),
    "code": ("codes__code", Q()),
    "suggere": ("suggested_codes__code__code", Q(suggested_codes__isnull=False)),
    "structure": ("structure_kind", ~Q(structure_kind="")),
    "stade": ("stage", ~Q(stage="")),
    "echelle": ("scale", ~Q(scale="")),
    "region": ("region_code", ~Q(region_code="")),
    "departement": ("department_code", ~Q(department_code="")),
    "partenaire": ("sources__partner__slug", Q(sources__partner__isnull=False)),
}


def orm_counts(filters: dict, facet: str) -> dict[str, int]:
    qs = orm_matching(filters, exclude=facet)
    if facet == "reference":
        counts = {
            "oui": orm_filter(qs, "reference", ["oui"]).count(),
            "non": orm_filter(qs, "reference", ["non"]).count(),
        }
        return {k: v for k, v in counts.items() if v}
    if facet == "coup_de_coeur":
        n = qs.filter(coup_de_coeur=True).count()
        return {"1": n} if n else {}
    if facet == "fraicheur":
        counts: dict[str, int] = {}
        for found in _freshness(qs).values():
            for value in found:
                counts[value] = counts.get(value, 0) + 1
        return counts
    column, condition = ORM_GROUPING[facet]
    rows = (
        ProjectPage.objects.filter(pk__in=qs.values("pk"))
        .filter(condition)
        .values(column)
        .annotate(n=Count("pk", distinct=True))
        .order_by()
    )
    return {row[column]: row["n"] for row in rows if row[column]}


def ids_of(query: SearchQuery) -> set[int]:
    return set(matching_entries(query).values_list("pk", flat=True))


def search(**params) -> SearchQuery:
    return SearchQuery.from_params(params)


def top_value(facet, query=None):
    items = execute(query or SearchQuery(), facets=[facet]).facets[facet]
    return items[0]["value"]


# --- the index -------------------------------------------------------------------------------
def test_index_holds_exactly_the_live_public_projects(real_catalogue, db):
    indexed = set(ProjectSearchEntry.objects.values_list("pk", flat=True))
    assert indexed == set(visible().values_list("pk", flat=True))
    assert len(indexed) >= 150
    assert real_catalogue.private.pk not in indexed
    assert real_catalogue.unpublished.pk not in indexed
    assert not ProjectFacetValue.objects.filter(
        entry_id__in=[real_catalogue.private.pk, real_catalogue.unpublished.pk]
    ).exists()


def test_private_and_unpublished_never_in_results_or_counts(real_catalogue, db):
    for hidden in (real_catalogue.private, real_catalogue.unpublished):
        results = execute(search(q=hidden.title))
        assert hidden.pk not in {p.pk for p in results.results}
        assert hidden.pk not in ids_of(search(q=hidden.title))
    everything = execute(SearchQuery())
    assert everything.count == visible().count()
    for facet in ("reference", "region", "structure"):
        listed = sum(i["count"] for i in everything.facets[facet])
        assert listed == sum(orm_counts({}, facet).values())


def test_rebuild_command_recreates_the_same_index(real_catalogue, db):
    before = set(ProjectFacetValue.objects.values_list("entry_id", "facet", "value"))
    titles = dict(ProjectSearchEntry.objects.values_list("pk", "search_title"))
    ProjectSearchEntry.objects.all().delete()
    assert execute(search(q="emploi")).count == 0
    call_command("rebuild_search_index", verbosity=0)
    assert set(ProjectFacetValue.objects.values_list("entry_id", "facet", "value")) == before
    assert dict(ProjectSearchEntry.objects.values_list("pk", "search_title")) == titles
    assert execute(search(q="emploi")).count > 0


# --- text ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "variants", [("santé", "sante", "SANTE", "Santé"), ("éducation", "EDUCATION")]
)
def test_case_and_accents_do_not_matter(real_catalogue, db, variants):
    found = [ids_of(search(q=v)) for v in variants]
    assert found[0], f"no project for {variants[0]}"
    assert all(ids == found[0] for ids in found)
    word = fold(variants[0])
    # Every project whose title has the word (folded) is found.
    for page in visible():
        if word in fold(page.title).split():
            assert page.pk in found[0]


def test_french_stemming_matches_plural_and_singular(real_catalogue, db):
    singular, plural = ids_of(search(q="logement")), ids_of(search(q="logements"))
    assert singular and singular == plural
    with_plural_only = [
        p.pk
        for p in ProjectSearchEntry.objects.all()
        if "logements" in fold(p.summary).split() and "logement" not in fold(p.summary).split()
    ]
    assert set(with_plural_only) <= singular
    # (PostgreSQL's Snowball stemmer keeps "emplois" apart from "emploi"; these fold on both.)
    assert ids_of(search(q="personne")) == ids_of(search(q="personnes"))
    assert ids_of(search(q="jeune")) == ids_of(search(q="jeunes"))


def test_all_words_are_required(real_catalogue, db):
    both = ids_of(search(q="insertion emploi"))
    assert both
    assert both == ids_of(search(q="insertion")) & ids_of(search(q="emploi"))
    assert ids_of(search(q="pour les")) == ids_of(SearchQuery())  # stopwords only: no filter


def test_relevance_puts_a_title_match_first(real_catalogue, db):
    page = next(p for p in visible().order_by("pk") if len(p.title.split()) >= 3)
    results = execute(search(q=page.title))
    assert results.sort == "relevance"
    assert results.results[0].pk == page.pk


# --- facets ----------------------------------------------------------------------------------
def test_facet_counts_match_direct_database_counts(real_catalogue, db):
    domaine = top_value("domaine")
    region = top_value("region", search(domaine=domaine))
    filters = {"domaine": [domaine], "region": [region]}
    query = SearchQuery(filters=filters)
    results = execute(query)
    assert results.count == orm_matching(filters).count() > 0
    assert {p.pk for p in results.results} <= set(
        orm_matching(filters).values_list("pk", flat=True)
    )
    for facet in FACETS:
        got = {i["value"]: i["count"] for i in results.facets[facet] if i["count"]}
        assert got == orm_counts(filters, facet), facet
    # Selected values are flagged and listed first.
    assert results.facets["domaine"][0] == {
        "value": domaine,
        "label": results.facets["domaine"][0]["label"],
        "count": orm_counts(filters, "domaine")[domaine],
        "selected": True,
    }


def test_facet_counts_with_text_and_two_facets(real_catalogue, db):
    public = top_value("public", search(q="jeunes"))
    code = top_value("code", search(q="jeunes", public=public))
    query = search(q="jeunes", public=public, code=code)
    text_ids = ids_of(search(q="jeunes"))
    filters = {"public": [public], "code": [code]}
    counts = facet_counts(query)
    for facet in ("public", "code", "region", "partenaire", "reference"):
        qs = orm_matching(filters, exclude=facet).filter(pk__in=text_ids)
        expected = {}
        for value in set(counts[facet]) | set(orm_counts(filters, facet)):
            n = orm_filter(qs, facet, [value]).count()
            if n:
                expected[value] = n
        assert counts[facet] == expected, facet


def _pages_and_facets(query, pages=3, bump=True):
    """Ids of the first pages and the facet counts (through empty caches unless `bump` is
    false)."""
    if bump:
        freshness.bump()
        idsets.forget()  # a new version alone keeps them (applying the index journal)
    found = []
    for number in range(1, pages + 1):
        results = execute(query.replace(page=number, per_page=7))
        found.append((results.count, [p.pk for p in results.results], results.facets))
    return found


def _not_read_again(*args):
    raise AssertionError("read from the database instead of Django's cache")


def test_large_sets_counted_and_ranked_from_process_caches(real_catalogue, db, monkeypatch):
    """Above a size, counts come from per-value bitmaps and the relevance order from the text's
    full order filtered by the matched ids: both give exactly what SQL over the ids gives."""
    # As outside a transaction that wrote the index, so the per-process caches are used.
    monkeypatch.setattr(connection, "search_index_dirty", False, raising=False)
    public = top_value("public", search(q="jeunes"))
    domaine = top_value("domaine")
    queries = [
        search(q="jeunes"),
        search(q="projet"),
        search(q="insertion emploi"),
        search(q="jeunes", public=public),
        search(q="jeunes", public=public, domaine=domaine),
        search(q="jeunes", tri="newest"),
        search(domaine=domaine),
        SearchQuery(),
    ]
    try:
        for query in queries:
            monkeypatch.setattr(bitmaps, "BITMAP_COUNTS_MIN", 10**9)
            monkeypatch.setattr(ranking, "FULL_ORDER_MIN", 10**9)
            through_sql = _pages_and_facets(query)
            assert not idsets._cache["bitmaps"] and not idsets._cache["orders"]
            monkeypatch.setattr(bitmaps, "BITMAP_COUNTS_MIN", 1)
            monkeypatch.setattr(ranking, "FULL_ORDER_MIN", 1)
            through_caches = _pages_and_facets(query)
            assert through_caches == through_sql, query
            assert through_sql[0][0] > 0 and through_sql[0][1], query
            assert idsets._cache["bitmaps"], query
            assert bool(idsets._cache["orders"]) == (query.effective_sort == "relevance")
            # Another process finds both in Django's cache, under the same data version.
            held = list(idsets._cache["bitmaps"])
            idsets._cache.update(bitmaps={}, orders={})
            with monkeypatch.context() as m:
                m.setattr(ranking, "_read_order", _not_read_again)
                m.setattr(bitmaps, "bitmap", _not_read_again)
                if query.effective_sort == "relevance":
                    ranking.relevance_order(text_terms(query))
                bitmaps.facet_bitmaps(held)
            assert list(idsets._cache["bitmaps"]) == held
            assert _pages_and_facets(query, bump=False) == through_sql, query
            # Once held, the order also serves a narrower query with the same words.
            if query.text and not query.filters:
                narrower = query.with_value("public", public)
                monkeypatch.setattr(ranking, "FULL_ORDER_MIN", 10**9)
                freshness.bump()
                idsets.forget()
                expected = [p.pk for p in execute(narrower).results]
                execute(query)
                assert [p.pk for p in execute(narrower).results] == expected
    finally:
        freshness.bump()  # nothing read from this rolled-back catalogue stays cached
        idsets.forget()


def test_or_within_a_facet_and_across_facets(real_catalogue, db):
    first, second = [i["value"] for i in execute(SearchQuery()).facets["domaine"][:2]]
    a, b = ids_of(search(domaine=first)), ids_of(search(domaine=second))
    assert ids_of(search(domaine=[first, second])) == a | b
    public = top_value("public")
    assert ids_of(search(domaine=first, public=public)) == a & ids_of(search(public=public))
    assert ids_of(search(domaine=[first, second])) == set(
        orm_matching({"domaine": [first, second]}).values_list("pk", flat=True)
    )


def test_partner_reference_and_favourite_facets(real_catalogue, db):
    ffe = ids_of(search(partenaire=real_catalogue.ffe.slug))
    assert ffe == set(
        visible().filter(sources__partner=real_catalogue.ffe).values_list("pk", flat=True)
    )
    assert ids_of(search(reference="non")) == {real_catalogue.unlisted.pk}
    assert ids_of(search(coup_de_coeur="1")) == {real_catalogue.favourite.pk}
    assert ids_of(search(reference=["oui", "non"])) == ids_of(SearchQuery())


def test_presets_always_apply_and_are_not_in_the_url(real_catalogue, db):
    domaine = top_value("domaine")
    query = SearchQuery.from_params({"q": "jeunes"}, presets={"domaine": [domaine]})
    assert query.to_params() == {"q": "jeunes"}
    assert ids_of(query) == ids_of(search(q="jeunes", domaine=domaine))
    # The facet's counts stay within the preset.
    counts = facet_counts(query, ["domaine"])["domaine"]
    assert set(counts) <= set(
        ProjectFacetValue.objects.filter(facet="domaine", entry_id__in=ids_of(query)).values_list(
            "value", flat=True
        )
    )
    assert query.without("domaine", domaine).presets == {"domaine": [domaine]}


# --- geography -------------------------------------------------------------------------------
def test_radius_around_a_commune(real_catalogue, db):
    paris = geography.commune_by_insee("75056")
    for radius in (5, 30):
        expected = {
            p.pk
            for p in visible().filter(latitude__isnull=False)
            if geography.distance_km((paris.lat, paris.lon), (p.latitude, p.longitude)) <= radius
        }
        got = ids_of(search(commune="75056", rayon=str(radius)))
        assert got == expected
    assert expected, "some real projects are within 30 km of Paris"
    results = execute(search(commune="75056", rayon="30", tri="nearest"))
    distances = [results.distances[p.pk] for p in results.results]
    assert distances == sorted(distances)
    assert results.commune.insee_code == "75056"


def test_map_view_bounding_box(real_catalogue, db):
    expected = set(
        visible()
        .filter(latitude__gte=48.5, latitude__lte=49.0, longitude__gte=2.0, longitude__lte=2.7)
        .values_list("pk", flat=True)
    )
    assert expected
    assert ids_of(search(bbox="2,48.5,2.7,49")) == expected


# --- sorting and pages -----------------------------------------------------------------------
def test_sorts_and_pagination(real_catalogue, db):
    total = visible().count()
    titles = []
    for number in range(1, 4):
        results = execute(SearchQuery(sort="title", page=number, per_page=10))
        assert results.count == total
        titles += [normalise(p.title) for p in results.results]
    assert titles == sorted(titles)
    newest = execute(SearchQuery())
    assert newest.sort == "newest"
    dates = [p.first_published_at for p in newest.results]
    assert dates == sorted(dates, reverse=True)
    last = execute(SearchQuery(page=10_000, per_page=20))
    assert last.page_obj.number == last.page_obj.paginator.num_pages
    assert last.results


def test_no_result_suggests_removing_the_narrowest_filter(real_catalogue, db):
    code = top_value("code")
    # One filter too many: removing it is suggested, the most rewarding removal first.
    query = search(q="jeunes", code=code, region="94")
    results = execute(query)
    assert results.count == 0
    assert results.suggestions
    best = results.suggestions[0]
    assert execute(best["query"]).count == best["count"] > 0
    assert all(best["count"] >= s["count"] for s in results.suggestions)
    # Several conflicting filters: the narrowest ones go until something matches.
    query = search(q="jeunes", code=code, coup_de_coeur="1", region="94")
    results = execute(query)
    assert results.count == 0
    (suggestion,) = results.suggestions
    assert " et " in suggestion["label"]
    assert execute(suggestion["query"]).count == suggestion["count"] > 0


# --- URL round trip --------------------------------------------------------------------------
def test_url_round_trip():
    raw = (
        "q=habitat+inclusif&domaine=domains_habitat&domaine=domains_health_sport"
        "&public=pubics_senior&code=hab,sen&region=84&departement=2a&partenaire=apriles"
        "&reference=oui&coup_de_coeur=1&commune=69123&rayon=10&bbox=4.7,45.6,5.0,45.9"
        "&tri=nearest&page=3&unknown=1&structure=association&stade=ideation&echelle=commune"
    )
    query = SearchQuery.from_params(QueryDict(raw))
    assert query.filters["code"] == ["HAB", "SEN"]
    assert query.filters["departement"] == ["2A"]
    assert query.bbox == (4.7, 45.6, 5.0, 45.9)
    assert query.page == 3 and query.sort == "nearest" and query.radius_km == 10
    again = SearchQuery.from_params(QueryDict(query.querystring().lstrip("?")))
    assert again == query
    assert SearchQuery.from_params(query.to_params()) == query
    # Removing one value keeps everything else, back to page 1.
    fewer = query.without("domaine", "domains_habitat")
    assert fewer.filters["domaine"] == ["domains_health_sport"] and fewer.page == 1
    assert fewer.filters["public"] == ["pubics_senior"]
    assert query.without("commune").commune == "" and query.without("commune").radius_km is None
    # Namespaced parameters (blocks) round trip too.
    prefixed = SearchQuery.from_params(
        QueryDict(query.querystring(prefix="b1-").lstrip("?")), prefix="b1-"
    )
    assert prefixed == query
    # Garbage is dropped, not trusted.
    junk = SearchQuery.from_params(
        {"domaine": ["<script>", "ok"], "page": "x", "tri": "drop", "bbox": "a"}
    )
    assert (
        junk.filters == {"domaine": ["ok"]}
        and junk.page == 1
        and junk.sort == ""
        and junk.bbox is None
    )


# --- upkeep ----------------------------------------------------------------------------------
def test_index_follows_publication_restrictions_and_sources(real_catalogue, db):
    page = ProjectPage.objects.get(pk=real_catalogue.pages[5].pk)
    word = page.title
    assert page.pk in ids_of(search(q=word))

    page.unpublish()
    assert page.pk not in ids_of(search(q=word))
    page.get_latest_revision().publish()
    assert page.pk in ids_of(search(q=word))

    restriction = PageViewRestriction.objects.create(
        page=page, restriction_type=PageViewRestriction.LOGIN
    )
    assert not ProjectSearchEntry.objects.filter(pk=page.pk).exists()
    restriction.delete()
    assert ProjectSearchEntry.objects.filter(pk=page.pk).exists()

    source = ProjectSource.objects.filter(project=page).first()
    source.still_listed = False
    source.save()
    assert page.pk in ids_of(search(reference="non"))

    # Edits are visible once published, not before.
    draft = page.get_latest_revision_as_object()
    draft.title = "Zzyzx laboratoire citoyen"
    revision = draft.save_revision()
    assert not ids_of(search(q="zzyzx"))
    revision.publish()
    assert ids_of(search(q="zzyzx")) == {page.pk}

    page.delete()
    assert not ProjectSearchEntry.objects.filter(pk=page.pk).exists()
    assert not ids_of(search(q="zzyzx"))


def test_a_record_listed_again_is_back_in_the_listed_facet(real_catalogue, db):
    from catalogue import services

    unlisted = real_catalogue.unlisted
    assert unlisted.pk in ids_of(search(reference="non"))
    record, source_key, partner = real_catalogue.records[unlisted.pk]
    result = services.upsert_project(record, source_key=source_key, partner=partner)
    assert result.action == "unchanged"
    assert unlisted.pk in ids_of(search(reference="oui"))
    assert not ids_of(search(reference="non"))


def test_restricting_the_whole_catalogue_empties_the_index(real_catalogue, db):
    restriction = PageViewRestriction.objects.create(
        page=real_catalogue.tree.projects, restriction_type=PageViewRestriction.LOGIN
    )
    assert execute(SearchQuery()).count == 0
    restriction.delete()
    assert execute(SearchQuery()).count == visible().count() > 0


# --- blocks with presets ---------------------------------------------------------------------
def _page_with_blocks(real_catalogue, body):
    from catalogue.models import StandardPage

    page = StandardPage(title="Habitat inclusif", slug="habitat-inclusif", body=body)
    real_catalogue.tree.home.add_child(instance=page)
    page.save_revision().publish()
    return page


def _block_ids(html, block_id):
    """Project ids of the cards inside one block's section (by its DOM id)."""
    import re

    start = html.index(f'id="{block_id}"')
    section = html[start : html.index("</section>", start)]
    slugs = re.findall(r'class="card__link" href="/projets/([^/"]+)/"', section)
    return set(ProjectPage.objects.filter(slug__in=slugs).values_list("pk", flat=True))


def test_blocks_with_presets_render_independently(real_catalogue, db, client):
    import uuid

    from catalogue.models import TaxonomyGroup

    domaine = TaxonomyGroup.objects.get(slug=top_value("domaine"))
    public = TaxonomyGroup.objects.get(slug=top_value("public"))
    first, second = uuid.uuid4(), uuid.uuid4()
    filters = {"groups": [], "codes": [], "regions": [], "departments": [], "partners": []}
    body = [
        {
            "type": "search",
            "id": str(first),
            "value": {
                "title": "Habitat",
                "filters": {**filters, "groups": [domaine.pk]},
                "max_items": 24,
                "show_facets": True,
            },
        },
        {
            "type": "search",
            "id": str(second),
            "value": {
                "title": "Publics",
                "filters": {**filters, "groups": [public.pk]},
                "max_items": 24,
                "show_facets": False,
            },
        },
        {
            "type": "project_list",
            "id": str(uuid.uuid4()),
            "value": {
                "title": "Coups de cœur",
                "filters": {**filters, "featured_only": True},
                "max_items": 3,
                "order": "title",
                "show_link": True,
            },
        },
    ]
    import json

    page = _page_with_blocks(real_catalogue, json.dumps(body))
    a_prefix, b_prefix = "b" + first.hex[:6], "b" + second.hex[:6]

    html = client.get(page.url).content.decode()
    in_domaine = ids_of(search(domaine=domaine.slug))
    in_public = ids_of(search(public=public.slug))
    shown_a, shown_b = _block_ids(html, a_prefix), _block_ids(html, b_prefix)
    assert shown_a and shown_a <= in_domaine
    assert shown_b and shown_b <= in_public
    assert "La logistique solidaire" in html  # the coup de cœur list
    assert f'name="{a_prefix}-q"' in html and f'name="{b_prefix}-q"' in html

    # Searching in the first block leaves the second as it was; the presets stay applied.
    html = client.get(page.url, {f"{a_prefix}-q": "jeunes"}).content.decode()
    expected = ids_of(search(q="jeunes", domaine=domaine.slug))
    assert _block_ids(html, a_prefix) <= expected
    assert len(_block_ids(html, a_prefix)) == min(24, len(expected))
    assert _block_ids(html, b_prefix) == shown_b
    # The second block's form carries the first block's state.
    assert f'<input type="hidden" name="{a_prefix}-q" value="jeunes">' in html
    # "See all" opens the results page with the presets as ordinary filters.
    assert f"/projets/?q=jeunes&amp;domaine={domaine.slug}" in html


# --- the results page, the guided search, the commune endpoint --------------------------------
def test_results_page_filters_chips_sort_and_pagination(real_catalogue, db, client):
    domaine = top_value("domaine")
    response = client.get("/projets/", {"q": "jeunes", "domaine": domaine, "page": "2"})
    assert response.status_code == 200
    html = response.content.decode()
    results = execute(search(q="jeunes", domaine=domaine, page="2"))
    assert f"{results.count} projets" in html
    for project in results.results:
        assert project.url in html
    # The checkbox of the selected value is checked; the text is in the search box.
    assert f'name="domaine" value="{domaine}" checked' in html
    assert 'name="q" value="jeunes"' in html
    # A chip removes one filter and keeps the rest (back to page 1).
    assert f'href="/projets/?domaine={domaine}"' in html  # chip removing the text
    assert 'href="/projets/?q=jeunes"' in html  # chip removing the domaine
    # Pagination links keep every parameter.
    assert f'href="/projets/?q=jeunes&amp;domaine={domaine}"' in html  # page 1
    assert 'id="results-map"' in html
    assert 'aria-live="polite"' in html
    # Sort options: relevance is offered with text, "nearest" only with a place.
    assert 'value="relevance" selected' in html and 'value="nearest"' not in html


def test_results_page_partial_for_live_updates(real_catalogue, db, client):
    response = client.get(
        "/projets/", {"public": top_value("public")}, HTTP_X_REQUESTED_WITH="fetch"
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html and 'class="search-results"' in html
    assert '<template id="search-facets-update">' in html
    assert "X-Requested-With" in response["Vary"]


def test_results_page_without_javascript_finds_a_typed_commune(real_catalogue, db, client):
    response = client.get("/projets/", {"q": "", "ou": "Paris", "rayon": "10"})
    assert response.status_code == 302
    assert response["Location"] == "/projets/?q=&rayon=10&commune=75056"
    html = client.get(response["Location"]).content.decode()
    assert "À 10 km de Paris" in html
    assert 'value="nearest"' in html
    unknown = client.get("/projets/", {"ou": "Xyzzyville"}, follow=True).content.decode()
    assert "Aucune commune ne correspond à « Xyzzyville »" in unknown


def test_results_page_without_result_suggests_removing_a_filter(real_catalogue, db, client):
    html = client.get(
        "/projets/", {"q": "jeunes", "region": "94", "code": top_value("code")}
    ).content.decode()
    assert "Aucun projet ne correspond" in html
    assert "Essayez en retirant un filtre" in html
    assert "sans " in html


def test_guided_search_leads_to_the_results_page(real_catalogue, db, client):
    domaine, public = top_value("domaine"), top_value("public")
    step1 = client.get("/projets/guide/").content.decode()
    assert 'name="domaine"' in step1 and 'name="etape" value="2"' in step1
    step2 = client.get("/projets/guide/", {"etape": "2", "domaine": domaine}).content.decode()
    assert f'<input type="hidden" name="domaine" value="{domaine}">' in step2
    assert 'name="public"' in step2
    step3 = client.get(
        "/projets/guide/", {"etape": "3", "domaine": domaine, "public": public}
    ).content.decode()
    assert 'action="/projets/"' in step3 and 'name="ou"' in step3 and 'name="region"' in step3
    results = client.get("/projets/", {"domaine": domaine, "public": public}).content.decode()
    assert f"{ids_of(search(domaine=domaine, public=public)).__len__()} projets" in results


def test_commune_autocomplete_endpoint(client):
    data = client.get("/api/communes", {"q": "st brieuc"}).json()
    assert data["results"][0]["insee"] == "22278"
    assert data["results"][0]["label"].startswith("Saint-Brieuc")
    assert client.get("/api/communes", {"q": ""}).json() == {"results": []}
