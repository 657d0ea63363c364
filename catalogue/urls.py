"""Catalogue routes that are not Wagtail pages (API, exports, map endpoints…)."""

from django.urls import include, path

from . import language
from .maps import views as map_views
from .search import views as search_views
from .stats import views as stats_views

urlpatterns = [
    path("api/communes", search_views.communes, name="api-communes"),
    path("", include("catalogue.api.urls")),
    path("langue/", language.choose_language, name="choose-language"),
    path("carte/", map_views.map_page, name="map-page"),
    path("statistiques/", stats_views.statistics_page, name="statistics"),
]
