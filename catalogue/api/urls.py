"""Open-data API and map endpoint routes (all under /api/, where CORS is open for GET)."""

from django.urls import path, re_path, register_converter

from ..maps import views as map_views
from . import feed, views
from .converters import RowId

register_converter(RowId, "rowid")

urlpatterns = [
    path("api/", views.documentation, name="api-docs"),
    path("api/projects", views.projects, name="api-projects"),
    path("api/projects.geojson", views.projects_geojson, name="api-projects-geojson"),
    path("api/projects.csv", views.projects_csv, name="api-projects-csv"),
    path("api/projects/<rowid:pk>", feed.project, name="api-project"),
    path("api/changes", feed.changes, name="api-changes"),
    path("api/changes/activities", feed.activities, name="api-activities"),
    path("api/openapi.json", views.openapi_json, name="api-openapi"),
    path("api/map", map_views.map_data, name="api-map"),
    path("api/map/points/<rowid:pk>", map_views.point_detail, name="api-map-point"),
    # Any other path under /api/ (a negative or non-numeric id, a trailing slash, a typo) is a
    # JSON 404 here, never APPEND_SLASH's redirect to Wagtail's catch-all.
    re_path(r"^api/.+", views.not_found, name="api-not-found"),
]
