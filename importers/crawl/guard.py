"""The crawler's side of the outgoing-request guard (`catalogue.netguard`).

A Scrapy downloader middleware sees every request the crawl sends (list pages, detail pages,
API pages, feeds, robots.txt) and every redirect (Scrapy's redirect middleware schedules the
new location as a new request, which comes through here again). It refuses:

- any URL whose host is, or resolves to, an internal address;
- a link to a host other than the source's own (the hosts of its configured URLs, and those
  its configuration names in ``allowed_hosts``, subdomains included). A redirect may leave
  them (sites move to https or to ``www.``), the address check still applies to it.

The middleware resolves the host before the request; the connection resolves it again. A name
whose answer changes in between (DNS rebinding: public when checked, internal when connected)
would slip through, so the crawl's resolver (`GuardedResolver`, Scrapy's
``TWISTED_DNS_RESOLVER``) checks the address the connection is about to use, the one Twisted
connects to: an internal answer fails the request before any connection is made.
"""

from __future__ import annotations

from scrapy.exceptions import IgnoreRequest
from scrapy.resolver import CachingThreadedResolver
from twisted.internet.error import DNSLookupError

from catalogue.netguard import RefusedAddress, address_allowed, check_url, gettext


class OutgoingRefused(IgnoreRequest):
    """A request the guard refused; its message says why, in French."""


def host_allowed(host: str, hosts) -> bool:
    host = (host or "").lower().rstrip(".")
    return any(host == h or host.endswith("." + h) for h in hosts)


class OutgoingGuardMiddleware:
    def __init__(self):
        self._verdicts: dict[str, str] = {}  # host:port -> "" (allowed) or the refusal

    @classmethod
    def from_crawler(cls, crawler):
        middleware = cls()
        middleware.crawler = crawler
        return middleware

    def _own_hosts(self) -> set[str]:
        spider = getattr(self.crawler, "spider", None)
        config = getattr(spider, "config", None)
        return config.own_hosts() if config is not None else set()

    def process_request(self, request, spider=None):
        from scrapy.utils.httpobj import urlparse_cached

        parts = urlparse_cached(request)
        hosts = self._own_hosts()
        redirected = bool(request.meta.get("redirect_urls"))
        robots = parts.path == "/robots.txt"
        if hosts and not redirected and not robots and not host_allowed(parts.hostname, hosts):
            raise OutgoingRefused(
                gettext(
                    "Lien vers un autre site que celui de la source (%(host)s) : non suivi "
                    "(ajoutez ce site aux hôtes autorisés de la configuration pour le suivre)."
                )
                % {"host": parts.hostname}
            )
        key = f"{parts.scheme}://{parts.netloc}"
        if key not in self._verdicts:
            try:
                check_url(request.url, unresolvable_ok=True)
                self._verdicts[key] = ""
            except RefusedAddress as error:
                self._verdicts[key] = str(error)
        if self._verdicts[key]:
            raise OutgoingRefused(self._verdicts[key])
        return None

    def process_exception(self, request, exception, spider=None):
        """A connection the resolver refused fails as a refusal, with its reason."""
        from scrapy.utils.httpobj import urlparse_cached

        message = REFUSED_NAMES.get((urlparse_cached(request).hostname or "").lower())
        if message and not isinstance(exception, OutgoingRefused):
            raise OutgoingRefused(message) from exception
        return None


#: Names the resolver refused, and why (the connection then reports "no address" only).
REFUSED_NAMES: dict[str, str] = {}


class InternalAnswer(DNSLookupError):
    """A name resolving to an internal address when connecting (a lookup that found nothing
    usable: Twisted makes no connection, and the middleware says why)."""


class GuardedResolver(CachingThreadedResolver):
    """Scrapy's resolver, refusing a name whose answer is an internal address (the address the
    connection then uses: checked at connection time, whatever the middleware was told)."""

    def getHostByName(self, name: str, timeout=()):
        return super().getHostByName(name, timeout).addCallback(self._checked, name)

    @staticmethod
    def _checked(address: str, name: str) -> str:
        if not address_allowed(address):
            message = gettext("Connexion refusée vers une adresse interne (%(peer)s).") % {
                "peer": f"{name} → {address}"
            }
            REFUSED_NAMES[name.lower()] = message
            raise InternalAnswer(message)
        REFUSED_NAMES.pop(name.lower(), None)
        return address
