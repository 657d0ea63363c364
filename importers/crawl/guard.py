"""The crawler's side of the outgoing-request guard (`catalogue.netguard`).

A Scrapy downloader middleware sees every request the crawl sends (list pages, detail pages,
API pages, feeds, robots.txt) and every redirect (Scrapy's redirect middleware schedules the
new location as a new request, which comes through here again). It refuses:

- any URL whose host is, or resolves to, an internal address;
- a link to a host other than the source's own (the hosts of its configured URLs, and those
  its configuration names in ``allowed_hosts``, subdomains included). A redirect may leave
  them (sites move to https or to ``www.``), the address check still applies to it.
"""

from __future__ import annotations

from scrapy.exceptions import IgnoreRequest

from catalogue.netguard import RefusedAddress, check_url, gettext


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
