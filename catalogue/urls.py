"""Catalogue routes that are not Wagtail pages (API, exports, map endpoints…)."""

from django.urls import path

from .search import views as search_views

urlpatterns = [
    path("api/communes", search_views.communes, name="api-communes"),
]
