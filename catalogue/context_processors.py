from django.conf import settings
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _


def site_context(request):
    """Values every template may need."""
    return {
        "SITE_NAME": settings.WAGTAIL_SITE_NAME,
        "MAP_TILE_URL": settings.MAP_TILE_URL,
        "MAP_TILE_ATTRIBUTION": settings.MAP_TILE_ATTRIBUTION,
        # Looked up only by templates that show them (the footer): two queries per page.
        "PUBLIC_BODY_LINKS": SimpleLazyObject(lambda: public_body_links(request)),
        "PRIVACY_POLICY_URL": SimpleLazyObject(lambda: _privacy_url(request)),
    }


def _privacy_url(request) -> str:
    links = {link["key"]: link["url"] for link in public_body_links(request)}
    return links.get("privacy", "")


def public_body_links(request) -> list[dict]:
    """The footer's legal links (mentions légales, accessibility status, privacy policy).

    They come from the site's `PublicBodySettings`, so editors may move or rename the pages;
    unpublished or missing pages are left out.
    """
    from wagtail.models import Page, Site

    from .models import AccessibilityStatus, PublicBodySettings

    if request is None or Site.find_for_request(request) is None:
        return []
    cached = getattr(request, "_public_body_links", None)
    if cached is not None:
        return cached
    setting = PublicBodySettings.for_request(request)
    status = AccessibilityStatus(setting.accessibility_status).label
    wanted = [
        ("legal", setting.legal_notice_page_id, _("Mentions légales")),
        (
            "accessibility",
            setting.accessibility_page_id,
            _("Accessibilité : %(status)s") % {"status": status},
        ),
        ("privacy", setting.privacy_page_id, _("Politique de confidentialité")),
    ]
    pages = Page.objects.live().public().in_bulk([pk for _key, pk, _label in wanted if pk])
    request._public_body_links = [
        {"key": key, "url": pages[pk].get_url(request), "label": label}
        for key, pk, label in wanted
        if pk in pages
    ]
    return request._public_body_links
