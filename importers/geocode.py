"""Geocoding of normalised records: offline gazetteer by default, the national address API
(BAN, through geopy) when ``GEOCODER_BAN_ENABLED`` is set, its answers cached in the database.

Whatever answers, `catalogue.geography.locate` has the last word: coordinates that contradict
the postal code are replaced by the commune's centre and explained in ``location_note``.
"""

from __future__ import annotations

import hashlib
import logging
import re

from django.conf import settings

from catalogue import geography
from catalogue.records import ProjectRecord
from importers.normalise.clean import fold

logger = logging.getLogger(__name__)

NOTE_BAN = "Géolocalisé à l'adresse par la Base adresse nationale"
USABLE = {
    geography.STATUS_OK,
    geography.STATUS_GEOCODED,
    geography.STATUS_CORRECTED,
    geography.STATUS_APPROXIMATE,
    geography.STATUS_UNVERIFIED,
}


def apply_location(record: ProjectRecord, result: geography.GeoResult) -> None:
    """Copy a placement onto the record (a valid source postal code of the commune is kept)."""
    commune = result.commune
    if commune:
        record.insee_code = commune.insee_code
        record.city = commune.name
        if record.postal_code not in commune.postal_codes:
            record.postal_code = commune.postal_code
    record.latitude = result.lat
    record.longitude = result.lon
    if result.note:
        record.location_note = result.note


# A postal code (or a CEDEX code) and the commune name after it, in an address block.
_POSTAL_AND_CITY = re.compile(r"(?<![\d-])(\d{2}) ?(\d{3})(?![\d-])[\s,]*([^\d,;\n]*)")


def address_parts(text: str) -> tuple[str, str]:
    """(postal code, commune name) of an address block: "12 rue X, 87140 ST PARDOUX LE LAC"
    -> ("87140", "ST PARDOUX LE LAC"); the last code of the text wins (street numbers come
    first); ("", "") when it has none."""
    matches = list(_POSTAL_AND_CITY.finditer(text or ""))
    if not matches:
        return "", ""
    found = matches[-1]
    city = " ".join(found.group(3).split()).strip(" -–.")
    return found.group(1) + found.group(2), city


def complete_address(record: ProjectRecord) -> None:
    """Fill a record's missing postal code or commune name from its address block (or a
    postal code written in the city field): the name is what tells the communes of a code
    apart."""
    if record.postal_code and record.city:
        return
    for text in (record.address, record.city):
        cp, city = address_parts(text)
        if cp and (not record.postal_code or record.postal_code == cp):
            record.postal_code = record.postal_code or cp
            if city and (not record.city or text == record.city):
                record.city = city
            return


class Geocoder:
    def __init__(self, ban_enabled: bool | None = None, *, min_score: float = 0.5):
        if ban_enabled is None:
            ban_enabled = bool(getattr(settings, "GEOCODER_BAN_ENABLED", False))
        self.ban_enabled = ban_enabled
        self.min_score = min_score
        self._ban = None
        self.ban_queries = 0
        self.cache_hits = 0

    def geocode(self, record: ProjectRecord) -> None:
        """Place the record in place; records already placed by their normaliser are kept."""
        if record.insee_code and record.latitude is not None and record.longitude is not None:
            return
        complete_address(record)
        has_point = record.latitude is not None and record.longitude is not None
        if self.ban_enabled and not has_point and (record.address or record.postal_code):
            answer = self.ban(record)
            if answer is not None:
                result = geography.locate(
                    record.postal_code or answer["postal_code"],
                    record.city or answer["city"] or None,
                    answer["latitude"],
                    answer["longitude"],
                )
                if result.status in (geography.STATUS_OK,):
                    apply_location(record, result)
                    if not record.location_note:
                        record.location_note = NOTE_BAN
                    return
        if not (record.postal_code or record.city or has_point):
            return
        result = geography.locate(
            record.postal_code or None,
            record.city or None,
            record.latitude,
            record.longitude,
        )
        if result.status in USABLE or result.status == geography.STATUS_OUTSIDE:
            apply_location(record, result)

    # -- BAN ------------------------------------------------------------------------------
    def _query(self, record: ProjectRecord) -> str:
        parts = [record.address, record.postal_code, record.city]
        return " ".join(" ".join(p.split()) for p in parts if p).strip()[:500]

    def _client(self):
        if self._ban is None:
            from geopy.geocoders import BANFrance

            from catalogue.netguard import check_url

            domain = getattr(settings, "GEOCODER_BAN_DOMAIN", "api-adresse.data.gouv.fr")
            scheme = getattr(settings, "GEOCODER_BAN_SCHEME", "https")
            # The outgoing guard: a BAN domain naming an internal address is never queried.
            check_url(f"{scheme}://{domain}/", unresolvable_ok=True)
            self._ban = BANFrance(
                domain=domain,
                scheme=scheme,
                adapter_factory=_guarded_adapter,
                timeout=getattr(settings, "GEOCODER_BAN_TIMEOUT", 10),
                user_agent=getattr(settings, "HARVEST_USER_AGENT", "CarrefourBot"),
            )
        return self._ban

    def ban(self, record: ProjectRecord) -> dict | None:
        """BAN's best answer for the record's address, from the cache when asked before."""
        from importers.models import GeocodeCache

        query = self._query(record)
        if not query:
            return None
        key = hashlib.sha256(fold(query).encode("utf-8")).hexdigest()
        cached = GeocodeCache.objects.filter(key=key).first()
        if cached is not None:
            self.cache_hits += 1
            return _answer(cached) if cached.found else None
        self.ban_queries += 1
        try:
            location = self._client().geocode(query, exactly_one=True)
        except Exception as error:  # noqa: BLE001 - network down: fall back offline, uncached
            logger.warning("BAN geocoding failed for %r: %s", query, error)
            return None
        entry = GeocodeCache(key=key, query=query, found=False)
        if location is not None:
            props = (location.raw or {}).get("properties", {})
            score = props.get("score")
            if score is None or score >= self.min_score:
                entry.found = True
                entry.insee_code = (props.get("citycode") or "")[:5]
                entry.postal_code = (props.get("postcode") or "")[:5]
                entry.city = (props.get("city") or "")[:120]
                entry.latitude, entry.longitude = location.latitude, location.longitude
                entry.score = score
        GeocodeCache.objects.update_or_create(
            key=key,
            defaults={
                f.name: getattr(entry, f.name)
                for f in GeocodeCache._meta.concrete_fields
                if f.name not in ("id", "key")
            },
        )
        return _answer(entry) if entry.found else None


def _guarded_adapter(**kwargs):
    """geopy's requests adapter, its session replaced by the guarded one (every redirect of
    a BAN answer is checked too)."""
    from geopy.adapters import RequestsAdapter

    from catalogue.netguard import GuardedSession

    adapter = RequestsAdapter(**kwargs)
    session = GuardedSession()
    session.trust_env = False
    session.proxies = adapter.session.proxies
    adapter.session.close()
    adapter.session = session
    return adapter


def _answer(entry) -> dict:
    return {
        "insee_code": entry.insee_code,
        "postal_code": entry.postal_code,
        "city": entry.city,
        "latitude": entry.latitude,
        "longitude": entry.longitude,
        "score": entry.score,
    }
