"""Catalogue routes that are not Wagtail pages (API, exports, map endpoints…)."""

from django.urls import include, path, re_path

from . import errata_views, language
from .maps import views as map_views
from .search import views as search_views
from .stats import views as stats_views
from .territories import views as territory_views

TERRITORY = r"(?P<kind>region|departement|epci|commune)/(?P<code>[0-9A-Za-z]{1,9})"

urlpatterns = [
    path("api/communes", search_views.communes, name="api-communes"),
    # Before the API's catch-all 404 of /api/….
    re_path(
        rf"^api/territories/{TERRITORY}$", territory_views.territory_json, name="api-territory"
    ),
    path("", include("catalogue.api.urls")),
    path("langue/", language.choose_language, name="choose-language"),
    path("carte/", map_views.map_page, name="map-page"),
    path(
        "partenaires/<slug:slug>/corrections/",
        errata_views.partner_errata,
        name="partner-errata",
    ),
    path(
        "partenaires/<slug:slug>/corrections.csv",
        errata_views.partner_errata_csv,
        name="partner-errata-csv",
    ),
    path(
        "partenaires/<slug:slug>/corrections.json",
        errata_views.partner_errata_json,
        name="partner-errata-json",
    ),
    path("statistiques/", stats_views.statistics_page, name="statistics"),
    path("territoires/", territory_views.territory_index, name="territory-index"),
    re_path(rf"^territoires/{TERRITORY}/$", territory_views.territory_page, name="territory"),
    re_path(
        rf"^territoires/{TERRITORY}/donnees\.csv$",
        territory_views.territory_csv,
        name="territory-csv",
    ),
]
