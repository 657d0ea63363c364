"""Security headers every response carries: Content-Security-Policy and Permissions-Policy.

Django 5.2 has no CSP of its own (6.0 adds one) and django-csp's per-path policies need
decorators on every admin view; the site needs two policies chosen by path, so this is a few
lines here. The public policy allows no inline script, style or handler at all (page data
travels in ``json_script`` blocks, code in static files); the Wagtail and Django admins get
their own, looser policy (``CSP_ADMIN``): Wagtail and wagtailgeowidget (Leaflet from unpkg,
Nominatim geocoding in the editor's browser) need inline scripts and styles there. Policies are
built once from settings (``CSP_PUBLIC``, ``CSP_ADMIN``, ``CSP_ADMIN_PREFIXES``,
``PERMISSIONS_POLICY``); a view that sets its own header keeps it.
"""

from django.conf import settings


def serialise(policy: dict) -> str:
    return "; ".join(
        " ".join([directive, *sources]) if sources else directive
        for directive, sources in policy.items()
    )


class SecurityHeadersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.public = serialise(settings.CSP_PUBLIC)
        # Error pages rendered without static files (500.html, the 503 outage page) carry
        # their own inline <style>; they hold no user content.
        self.error = serialise(
            {
                **settings.CSP_PUBLIC,
                "style-src": [*settings.CSP_PUBLIC["style-src"], "'unsafe-inline'"],
            }
        )
        self.admin = serialise(settings.CSP_ADMIN)
        self.admin_prefixes = tuple(settings.CSP_ADMIN_PREFIXES)
        self.permissions = ", ".join(
            f"{feature}=({' '.join(allow)})"
            for feature, allow in settings.PERMISSIONS_POLICY.items()
        )

    def __call__(self, request):
        response = self.get_response(request)
        if "Content-Security-Policy" not in response:
            if request.path.startswith(self.admin_prefixes):
                policy = self.admin
            elif response.status_code >= 500:
                policy = self.error
            else:
                policy = self.public
            response["Content-Security-Policy"] = policy
        response.setdefault("Permissions-Policy", self.permissions)
        return response
