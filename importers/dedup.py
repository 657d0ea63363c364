"""Cross-source deduplication: is a record new to its source already listed by another partner?

Two signals, as editors would judge: the same website (registrable domain, shared hosts such as
facebook.com or a blog platform excepted), or a similar title in the same commune. A sure match
becomes one page listing both sources (`catalogue.services.add_source`); a doubtful one gets its
own page and a `DuplicateCandidate` for an editor to merge or keep apart.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from difflib import SequenceMatcher
from functools import lru_cache
from urllib.parse import urlsplit

from catalogue.records import ProjectRecord
from importers.normalise.clean import fold

#: Hosts shared by unrelated projects: the same domain there says nothing.
SHARED_HOSTS = {
    "facebook.com", "fb.com", "twitter.com", "x.com", "linkedin.com", "instagram.com",
    "youtube.com", "youtu.be", "google.com", "sites.google.com", "wordpress.com", "blogspot.com",
    "blogspot.fr", "over-blog.com", "over-blog.fr", "wixsite.com", "wix.com", "jimdo.com",
    "jimdofree.com", "e-monsite.com", "free.fr", "orange.fr", "wanadoo.fr", "gmail.com",
    "helloasso.com", "gouv.fr", "fr.wikipedia.org", "wikipedia.org", "canalblog.com",
    "webnode.fr", "weebly.com", "hautetfort.com", "blogs.com", "linktr.ee", "apriles.net",
}  # fmt: skip
STOPWORDS = {
    "le", "la", "les", "l", "un", "une", "des", "de", "du", "d", "et", "a", "au", "aux", "en",
    "pour", "par", "sur", "dans", "avec", "the", "of", "projet", "association",
}  # fmt: skip
SURE_TITLE = 0.85  # same commune and at least this similar: the same project
DOUBT_TITLE = 0.55  # same commune and at least this similar: ask an editor
_DEPT_SUFFIX = re.compile(r"\s+-\s+\d{2,3}\s*$")


@lru_cache(maxsize=1)
def _extractor():
    import tldextract

    # The bundled public-suffix snapshot: never fetch the list from the network.
    return tldextract.TLDExtract(suffix_list_urls=())


def registrable_domain(url: str) -> str:
    """``https://www.asso.example.org/page`` → ``example.org``; "" for shared hosts."""
    if not url or url.startswith("mailto:"):
        return ""
    parts = _extractor()(url)
    domain = ".".join(p for p in (parts.domain, parts.suffix) if p).lower()
    if not parts.domain or not parts.suffix:
        return ""
    host = ".".join(p for p in (parts.subdomain, parts.domain, parts.suffix) if p).lower()
    if domain in SHARED_HOSTS or host in SHARED_HOSTS or parts.suffix in ("gouv.fr",):
        return ""
    return domain


def site_identity(url: str) -> tuple[str, str]:
    """(host without "www.", path without trailing slash): two pages of one domain are the same
    site only when these agree, or when one of them is the domain's home page."""
    parts = urlsplit(url or "")
    host = (parts.hostname or "").lower().removeprefix("www.")
    return host, parts.path.rstrip("/").lower()


def same_site(a: tuple[str, str], b: tuple[str, str]) -> bool:
    if a[0] != b[0]:
        return False  # other subdomains of a platform (centres-sociaux.fr) are other sites
    return a[1] == b[1] or not a[1] or not b[1]


def title_words(title: str) -> list[str]:
    return [w for w in fold(_DEPT_SUFFIX.sub("", title or "")).split() if w not in STOPWORDS]


class TitleShape:
    """A title as compared: its significant words, joined and as a set (computed once)."""

    __slots__ = ("joined", "words")

    def __init__(self, title: str):
        words = title_words(title)
        self.joined = " ".join(words)
        self.words = frozenset(words)


def _containment(a: TitleShape, b: TitleShape) -> float:
    small = min(len(a.words), len(b.words))
    if small < 2:
        return 0.0
    containment = len(a.words & b.words) / small
    # Containment of a short title in a long one is a weaker sign than equality.
    return containment * (0.9 if len(a.words) != len(b.words) else 1.0)


def shape_similarity(a: TitleShape, b: TitleShape, floor: float = 0.0) -> float:
    """`title_similarity` of two shapes. Below `floor` the exact figure does not matter: the
    character comparison is skipped when its cheap upper bounds cannot reach the floor."""
    if not a.joined or not b.joined:
        return 0.0
    containment = _containment(a, b)
    la, lb = len(a.joined), len(b.joined)
    if max(containment, 2 * min(la, lb) / (la + lb)) < floor:
        return containment  # even identical characters could not reach the floor
    matcher = SequenceMatcher(None, a.joined, b.joined)
    if max(containment, matcher.quick_ratio()) < floor:
        return containment
    return max(matcher.ratio(), containment)


def title_similarity(a: str, b: str) -> float:
    """Between 0 and 1: the best of character similarity and word containment."""
    return shape_similarity(TitleShape(a), TitleShape(b))


@dataclass
class Match:
    page_id: int
    score: float
    reasons: str
    sure: bool


class DedupIndex:
    """Live pages not listed by `source_key`, indexed by domain and commune (built lazily,
    one query; memory grows with the catalogue, not with the source being harvested)."""

    def __init__(self, source_key: str):
        self.source_key = source_key
        self.loaded = False
        self.by_domain: dict[str, list[tuple[int, TitleShape, str, tuple[str, str]]]] = {}
        self.by_commune: dict[str, list[tuple[int, TitleShape]]] = {}

    def load(self) -> None:
        from catalogue.models import ProjectPage, ProjectSource

        own = ProjectSource.objects.filter(source_key=self.source_key).values("project_id")
        rows = (
            ProjectPage.objects.live()
            .exclude(pk__in=own)
            .values_list("pk", "title", "website", "insee_code")
            .iterator(chunk_size=2000)
        )
        for pk, title, website, insee in rows:
            shape = TitleShape(title)
            domain = registrable_domain(website)
            if domain:
                entry = (pk, shape, insee, site_identity(website))
                self.by_domain.setdefault(domain, []).append(entry)
            if insee:
                self.by_commune.setdefault(insee, []).append((pk, shape))
        self.loaded = True

    def match(
        self, record: ProjectRecord, exclude: set[int] = frozenset(), never: set[int] = frozenset()
    ) -> Match | None:
        """The best page for this record; pages in `exclude` are only doubtful matches, pages
        in `never` (an editor kept them apart from this record) no match at all."""
        if not self.loaded:
            self.load()
        best: Match | None = None
        shape = TitleShape(record.title)
        domain = registrable_domain(record.website)
        site = site_identity(record.website)
        for pk, other, insee, other_site in self.by_domain.get(domain, ()) if domain else ():
            if pk in never:
                continue
            candidate = _domain_match(pk, shape, other, record.insee_code, insee, site, other_site)
            if candidate is not None:
                candidate.reasons = f"même site web ({domain})" + candidate.reasons
                best = _better(best, candidate)
        if record.insee_code:
            for pk, other in self.by_commune.get(record.insee_code, ()):
                similarity = shape_similarity(shape, other, floor=DOUBT_TITLE)
                if similarity < DOUBT_TITLE or pk in never:
                    continue
                candidate = Match(
                    pk,
                    round(similarity, 3),
                    f"titres proches ({similarity:.0%}), même commune",
                    similarity >= SURE_TITLE,
                )
                best = _better(best, candidate)
        return _unsure(best, exclude)


def _domain_match(pk, shape, other, insee, other_insee, site, other_site) -> Match | None:
    """Two records on one domain. The same site is a strong sign; a network's or a city
    portal's pages for other places (la-cordee.net/cordee/morez vs …/nantes, two communes)
    are not: then only a near-identical title makes it worth an editor's look."""
    similarity = shape_similarity(shape, other)
    same_place = bool(insee) and insee == other_insee
    elsewhere = bool(insee) and bool(other_insee) and not same_place
    if elsewhere or not same_site(site, other_site):
        if similarity < SURE_TITLE:
            return None
        where = ", autre commune" if elsewhere else ", autre page du site"
        return Match(pk, round(similarity, 3), where, False)
    sure = similarity >= 0.4 or same_place
    score = max(similarity, 0.9 if sure else 0.6)
    return Match(pk, round(score, 3), ", même commune" if same_place else "", sure)


def _unsure(match: Match | None, exclude: set[int]) -> Match | None:
    if match is not None and match.page_id in exclude and match.sure:
        return Match(match.page_id, match.score, match.reasons, False)
    return match


def _better(a: Match | None, b: Match) -> Match:
    if a is None:
        return b
    return max(a, b, key=lambda m: (m.sure, m.score))
