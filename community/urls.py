"""Community routes (accounts, spaces, comments, claims…)."""

from django.urls import include, path

urlpatterns = [
    path("comptes/", include("allauth.urls")),
]
