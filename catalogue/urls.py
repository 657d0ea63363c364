"""Catalogue routes that are not Wagtail pages (API, exports, map endpoints…)."""

urlpatterns = []
