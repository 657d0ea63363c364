"""The one guard of outgoing requests: no crawl, image, feed or geocoding request reaches an
internal address.

A source's URL, a link found on a partner's page, an image address or a redirect could point
at the machine itself (127.0.0.1, [::1], 0x7f.1, 2130706433), the private network (10/8,
172.16/12, 192.168/16, fc00::/7), the cloud metadata service (169.254.169.254) or any other
non-public address, directly or through a host name that resolves there. `check_url` resolves
the host and refuses the URL when any of its addresses is not a public one; it is called for
the URL and again for every redirect (`GuardedSession` for requests, the Scrapy downloader
middleware of `importers.crawl`), and the address actually connected to is checked again
before a byte is sent (a name that resolves differently the second time, DNS rebinding, gains
nothing): the socket's peer for requests, the connection's own lookup in the crawler.

Loopback is allowed when the setting ``OUTGOING_ALLOW_LOOPBACK`` is true (tests and local
mocks; outside Django, the environment variable of that name). Nothing else ever is.
"""

from __future__ import annotations

import ipaddress
import os
import socket
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool


def gettext(message: str) -> str:
    """Django's gettext where Django is set up; the French message as is where it is not (a
    crawl process that only loads Scrapy and this module)."""
    try:
        from django.utils.translation import gettext as translate

        return translate(message)
    except Exception:  # noqa: BLE001 - ImportError, ImproperlyConfigured: no translation there
        return message


__all__ = [
    "GuardedSession",
    "RefusedAddress",
    "Unresolvable",
    "address_allowed",
    "check_url",
    "guarded_get",
    "resolve",
]


class RefusedAddress(requests.exceptions.InvalidURL):
    """A URL whose host is (or resolves to) an address the site never contacts (a ValueError
    and a requests error: callers already handling failed downloads handle it too)."""


def loopback_allowed() -> bool:
    try:
        from django.conf import settings

        if settings.configured:
            return bool(getattr(settings, "OUTGOING_ALLOW_LOOPBACK", False))
    except ImportError:  # pragma: no cover - Django is always installed here
        pass
    return os.environ.get("OUTGOING_ALLOW_LOOPBACK", "").lower() in {"1", "true", "yes", "on"}


def _as_ip(value: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The address a literal host means, including the legacy IPv4 spellings that resolvers
    accept (``0x7f.1``, ``017700000001``, ``2130706433``, ``127.1``)."""
    host = value.strip("[]")
    try:
        return ipaddress.ip_address(host.split("%")[0])
    except ValueError:
        pass
    try:  # inet_aton is what getaddrinfo applies to numeric hosts
        return ipaddress.IPv4Address(socket.inet_aton(host))
    except (OSError, ValueError):
        return None


def address_allowed(address, *, allow_loopback: bool | None = None) -> bool:
    """True for a public unicast address (loopback too when allowed)."""
    ip = address if not isinstance(address, str) else _as_ip(address)
    if ip is None:
        return False
    if isinstance(ip, ipaddress.IPv6Address):
        mapped = ip.ipv4_mapped or ip.sixtofour or (ip.teredo[1] if ip.teredo else None)
        if mapped is not None:
            return address_allowed(mapped, allow_loopback=allow_loopback)
    if ip.is_loopback:
        return loopback_allowed() if allow_loopback is None else allow_loopback
    return ip.is_global and not (ip.is_multicast or ip.is_reserved or ip.is_link_local)


def resolve(host: str, port: int | None = None) -> list[str]:
    """Every address `host` resolves to (a literal address is its own answer); raises
    `Unresolvable` when the name does not resolve."""
    literal = _as_ip(host)
    if literal is not None:
        return [str(literal)]
    try:
        infos = socket.getaddrinfo(host, port or 80, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError) as error:
        raise Unresolvable(
            gettext("Nom d'hôte introuvable : « %(host)s » (%(error)s).")
            % {"host": host, "error": error}
        ) from error
    return sorted({info[4][0] for info in infos})


class Unresolvable(RefusedAddress):
    """A host name that does not resolve (nothing can be reached there either)."""


def check_url(url: str, *, schemes=("http", "https"), unresolvable_ok: bool = False) -> str:
    """`url` when its scheme is allowed and every address of its host is public; raises
    `RefusedAddress` (a French message for editors) otherwise.

    `unresolvable_ok`: a name that does not resolve passes (a form accepting a partner's
    address while offline; the request itself fails later, and is checked again then)."""
    try:
        parts = urlsplit(url or "")
        host, port = parts.hostname, parts.port
    except ValueError as error:
        raise RefusedAddress(gettext("Adresse invalide : « %(url)s ».") % {"url": url}) from error
    if parts.scheme.lower() not in schemes or not host:
        raise RefusedAddress(
            gettext("Adresse invalide : « %(url)s » (http ou https attendu).") % {"url": url}
        )
    try:
        addresses = resolve(host, port)
    except Unresolvable:
        if unresolvable_ok:
            return url
        raise
    for address in addresses:
        if not address_allowed(address):
            raise RefusedAddress(
                gettext("Adresse refusée : « %(host)s » désigne une adresse interne (%(address)s).")
                % {"host": host, "address": address}
            )
    return url


def check_peer(sock) -> None:
    """After connecting: the address actually reached must be allowed too."""
    try:
        peer = sock.getpeername()[0]
    except (OSError, IndexError):
        return
    if not address_allowed(peer):
        sock.close()
        raise RefusedAddress(
            gettext("Connexion refusée vers une adresse interne (%(peer)s).") % {"peer": peer}
        )


class _PeerRefused(Exception):
    """Raised from inside urllib3 (not an OSError: urllib3 would retry it and hide why)."""


class _PeerChecked:
    """A urllib3 connection whose socket, once connected and before anything is sent (TLS
    handshake included), must have reached an allowed address."""

    def _new_conn(self):
        sock = super()._new_conn()
        try:
            check_peer(sock)
        except RefusedAddress as error:
            raise _PeerRefused(str(error)) from error
        return sock


class _CheckedHTTPConnection(_PeerChecked, HTTPConnection):
    pass


class _CheckedHTTPSConnection(_PeerChecked, HTTPSConnection):
    pass


class _CheckedHTTPPool(HTTPConnectionPool):
    ConnectionCls = _CheckedHTTPConnection


class _CheckedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _CheckedHTTPSConnection


class _GuardedAdapter(HTTPAdapter):
    """Checks every request it sends, so every redirect hop of a Session is checked, and the
    address each connection reaches."""

    def init_poolmanager(self, *args, **kwargs):
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {
            "http": _CheckedHTTPPool,
            "https": _CheckedHTTPSPool,
        }

    def send(self, request, *args, **kwargs):
        # A name that does not resolve fails in the connection itself, as it always did.
        check_url(request.url, unresolvable_ok=True)
        try:
            return super().send(request, *args, **kwargs)
        except _PeerRefused as error:
            raise RefusedAddress(str(error)) from error


class GuardedSession(requests.Session):
    """A requests Session that never reaches an internal address, redirects included."""

    def __init__(self, max_redirects: int = 5):
        super().__init__()
        self.max_redirects = max_redirects
        adapter = _GuardedAdapter(max_retries=0)
        self.mount("http://", adapter)
        self.mount("https://", adapter)


def guarded_get(url: str, **kwargs) -> requests.Response:
    """`requests.get` through the guard (raises `RefusedAddress` before any connection)."""
    with GuardedSession() as session:
        return session.get(url, **kwargs)
