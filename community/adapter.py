"""The project's allauth adapter: log-in throttling (`community.throttle`), and e-mails that
sign with the site's name and greet members by their display name.

Without this, allauth names the site after the request's host ("c'est 127.0.0.1:8101"), since
`django.contrib.sites` is not installed.
"""

from dataclasses import dataclass

from catalogue import site_url

from .throttle import AccountAdapter as ThrottlingAccountAdapter


@dataclass(frozen=True)
class SiteIdentity:
    """What allauth's templates read from `current_site`."""

    name: str
    domain: str


class AccountAdapter(ThrottlingAccountAdapter):
    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        request = getattr(self, "request", None)
        base = site_url.base_url(request)
        context = {
            **context,
            "current_site": SiteIdentity(name=site_url.site_name(), domain=base.split("://")[-1]),
            "site_name": site_url.site_name(),
            "site_url": base,
        }
        super().send_mail(template_prefix, email, context)
