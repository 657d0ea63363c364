"""URL wiring only: each app owns its routes."""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from community.throttle import AdminPasswordResetView, DjangoAdminLoginForm

# Every log-in and password-reset form is throttled (community.throttle).
admin.site.login_form = DjangoAdminLoginForm

urlpatterns = [
    path("django-admin/", admin.site.urls),
    path("admin/password_reset/", AdminPasswordResetView.as_view()),
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("catalogue.urls")),
    path("", include("community.urls")),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

urlpatterns += [path("", include(wagtail_urls))]
handler500 = "carrefour.views.server_error"
