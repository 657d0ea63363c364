"""carrefour.urls without community's routes (nor the sitemap, which lists community's pages)."""

from django.urls import include, path
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls

urlpatterns = [
    path("admin/", include(wagtailadmin_urls)),
    path("i18n/", include("django.conf.urls.i18n")),
    path("comptes/", include("allauth.urls")),
    path("", include("catalogue.urls")),
    path("", include(wagtail_urls)),
]
