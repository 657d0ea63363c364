"""Front-end routes of the partner role (included by the site's URLs before Wagtail's pages:
`/partenaires/<slug>/` itself is the partner's Wagtail page)."""

from django.urls import path

from . import partner_views

urlpatterns = [
    path(
        "partenaires/<slug:slug>/sources/proposer/",
        partner_views.propose,
        name="partner_propose",
    ),
    path(
        "partenaires/<slug:slug>/tableau-de-bord/",
        partner_views.dashboard,
        name="partner_dashboard",
    ),
    path(
        "partenaires/<slug:slug>/tableau-de-bord/<slug:state>/",
        partner_views.record_list,
        name="partner_records",
    ),
]
