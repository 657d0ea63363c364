"""Field cleaners shared by the sample loader and the harvester.

Each function takes whatever a partner gave (None, numbers, HTML fragments, placeholders such as
``null`` or ``NR``) and returns a clean value or an empty one (``""`` / ``None`` / ``[]``): an
empty value means "unknown", so a dirty placeholder can never reach a page.
"""

from __future__ import annotations

import datetime
import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache
from urllib.parse import urlsplit, urlunsplit

from catalogue.geography import normalise_postal_code
from catalogue.sanitise import plain_text

__all__ = [
    "PLACEHOLDERS",
    "clean_email",
    "clean_multiline",
    "clean_phone",
    "clean_postal_code",
    "clean_text",
    "clean_url",
    "social_profile_url",
    "clean_year",
    "fold",
    "is_placeholder",
    "split_links",
    "split_tags",
    "guess_structure_kind",
]

# Values partners use for "nothing" (compared case-insensitively, after trimming).
PLACEHOLDERS = frozenset(
    {
        "null", "none", "nr", "n/r", "n.r.", "n.c.", "n.c", "nc", "n/a", "na", "nan", "undefined",
        "default", "-", "--", "—", ",", ".", "''", '""', "?", "xxx", "tbd",
    }
)  # fmt: skip

_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)
_SPACES = re.compile(r"[^\S\n]+")  # any whitespace except newline


def is_placeholder(value: str) -> bool:
    """True for the dirt partners put in empty fields (``null``, ``NR``, ``default``, ``-``)."""
    return value.strip().casefold() in PLACEHOLDERS


def _to_text(value: object) -> str:
    """Markup-free text with newlines where block elements were, from the one sanitiser
    (`catalogue.sanitise.plain_text`: entities decoded once, the result is text), without
    invisible characters."""
    return unicodedata.normalize("NFC", plain_text(value).translate(_INVISIBLE))


def clean_text(value: object) -> str:
    """One line of plain text: no markup, no entities, single spaces; placeholders -> ""."""
    text = " ".join(_to_text(value).split())
    return "" if is_placeholder(text) else text


_LIST_ITEM = re.compile(r"<li\b[^>]*>", re.IGNORECASE)
_BULLET_GAP = re.compile(r"^(- .*)\n\n(?=- )", re.MULTILINE)


def clean_multiline(value: object) -> str:
    """Plain text keeping line breaks and paragraphs (blank-line separated), spaces tidied;
    the items of an HTML list become "- " lines of one block (rich text makes them a list)."""
    html_list = isinstance(value, str) and bool(_LIST_ITEM.search(value))
    if html_list:
        value = _LIST_ITEM.sub(lambda m: m.group(0) + "- ", value)
    lines = [_SPACES.sub(" ", line).strip() for line in _to_text(value).split("\n")]
    text = "\n".join(lines)
    text = re.sub(r"\n{3,}", "\n\n", text).strip()
    while html_list and _BULLET_GAP.search(text):
        text = _BULLET_GAP.sub(r"\1\n", text)
    return "" if is_placeholder(text) else text


# --- links -------------------------------------------------------------------------------------

_HOST = re.compile(r"^(?=.{4,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,24}$")
_BARE_DOMAIN = re.compile(r"^[a-z0-9][a-z0-9.-]*\.[a-z]{2,24}(?:[/:?#].*)?$", re.IGNORECASE)
# Junk repeated after the scheme: "http://http.www.//site.org", "http://http//site.org".
_SCHEME_JUNK = re.compile(r"^(?:https?(?::|\.)?/*|/+)", re.IGNORECASE)
# A colon some exports escape as "\\c": "http\\c//www.site.org".
_ESCAPED_COLON = re.compile(r"^(https?)\\c(?=//)", re.IGNORECASE)
_EMAIL = re.compile(
    r"^[a-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,24}$"
)


def clean_url(value: object) -> str:
    """An absolute http(s) URL, or "".

    Adds ``https://`` to bare domains (``www.ademe.fr``), lower-cases scheme and host, repairs a
    doubled scheme (``http://http.www.//site.org`` -> ``http://www.site.org``) when what remains
    is a valid host, and rejects everything else (``mailto:`` — see `clean_email` —,
    ``javascript:``, ``ftp:``, hosts without a dot).
    """
    text = _ESCAPED_COLON.sub(r"\1:", clean_text(value))
    if not text or re.search(r"\s", text):
        text = text.split()[0] if text else ""
    if not text or text.lower().startswith("mailto:"):
        return ""
    match = re.match(r"^([a-z][a-z0-9+.-]*):(.*)$", text, re.IGNORECASE)
    if match and match.group(1).lower() not in ("http", "https"):
        # "www.site.org:8080" has no scheme, "javascript:..." has a forbidden one.
        if not _BARE_DOMAIN.match(text):
            return ""
        match = None
    if match:
        scheme, rest = match.group(1).lower(), match.group(2)
    elif text.startswith("//"):
        scheme, rest = "https", text
    elif _BARE_DOMAIN.match(text):
        scheme, rest = "https", "//" + text
    else:
        return ""
    rest = rest.lstrip("/")
    # Strip repeated schemes or slashes, then "www.//" -> "www.".
    for _ in range(3):
        stripped = _SCHEME_JUNK.sub("", rest, count=1)
        if stripped == rest:
            break
        rest = stripped
    rest = re.sub(r"^(www\.)/+", r"\1", rest, flags=re.IGNORECASE)
    try:
        parts = urlsplit(f"{scheme}://{rest}")
        host = (parts.hostname or "").rstrip(".")
        port = parts.port
    except ValueError:
        return ""
    if not _HOST.match(host) or ".." in host:
        return ""
    netloc = host + (f":{port}" if port else "")
    return urlunsplit((scheme, netloc, parts.path, parts.query, parts.fragment))


#: Where a social network's profiles live, for a bare handle ("@collectif", "/groups/x").
SOCIAL_PROFILE_BASES = {
    "facebook": "https://www.facebook.com/",
    "twitter": "https://x.com/",
    "instagram": "https://www.instagram.com/",
    "linkedin": "https://www.linkedin.com/company/",
    "youtube": "https://www.youtube.com/@",
}
_HANDLE = re.compile(r"^@?(/?[A-Za-z0-9_][A-Za-z0-9_.-]{1,99}(?:/[A-Za-z0-9_.-]+)*)/?$")


def social_profile_url(kind: str, value: object) -> str:
    """A social field's URL: its value as a URL, or a bare handle ("@collectif",
    "LaRucheSaintNazaire", "/groups/wigwam.lannion") made the profile's address; ""."""
    url = clean_url(value)
    if url or kind not in SOCIAL_PROFILE_BASES:
        return url
    text = clean_text(value)
    match = _HANDLE.match(text)
    if not match or "." in text.split("/")[0] and "/" not in text:
        return ""  # "site.org" would have been a URL; a dotted word alone is no handle
    return clean_url(SOCIAL_PROFILE_BASES[kind] + match.group(1).lstrip("/"))


def clean_email(value: object) -> str:
    """A syntactically valid address in lower case (``mailto:`` and query stripped), or ""."""
    text = clean_text(value)
    if not text:
        return ""
    text = re.sub(r"^mailto:", "", text, flags=re.IGNORECASE).split("?")[0]
    text = text.strip(" <>()[];,.").lower()
    return text if _EMAIL.match(text) else ""


def split_links(value: object) -> tuple[list[str], list[str]]:
    """Split a field mixing links (``mailto:a@b.fr http://b.fr``) into (urls, emails)."""
    urls: list[str] = []
    emails: list[str] = []
    for token in re.split(r"[\s|;,]+", clean_text(value)):
        if not token:
            continue
        if token.lower().startswith("mailto:") or ("@" in token and "/" not in token):
            email = clean_email(token)
            if email and email not in emails:
                emails.append(email)
        else:
            url = clean_url(token)
            if url and url not in urls:
                urls.append(url)
    return urls, emails


# --- numbers -----------------------------------------------------------------------------------

_PHONE = re.compile(
    r"(?<![\d+])(?:(?:\+|00)\s*33\s*(?:\(\s*0\s*\)\s*)?|0)\s*([1-9](?:[\s.\-/]*\d){8})(?!\d)"
)


def clean_phone(value: object, international: bool = False) -> str:
    """The first French phone number in the value, as ``0X XX XX XX XX`` (or ``+33 X XX XX XX XX``
    with ``international=True``); "" when there is none.

    Accepts ``03.86.92.37.90``, ``+33 (0)1 42 28 82 27``, ``0033 6 ...`` and text around the
    number ("Tel: 05 65 24 13 50").
    """
    match = _PHONE.search(clean_text(value))
    if not match:
        return ""
    digits = re.sub(r"\D", "", match.group(1))
    if len(digits) != 9:
        return ""
    pairs = " ".join(digits[i : i + 2] for i in range(1, 9, 2))
    return f"+33 {digits[0]} {pairs}" if international else f"0{digits[0]} {pairs}"


def clean_year(value: object, earliest: int = 1900) -> int | None:
    """A plausible year (``earliest`` .. this year) found in the value, or None ("Date du CA")."""
    if isinstance(value, int):
        year = value
    else:
        match = re.search(r"(?<!\d)(1[89]\d\d|2\d\d\d)(?!\d)", clean_text(value))
        if not match:
            return None
        year = int(match.group(1))
    return year if earliest <= year <= datetime.date.today().year else None


def clean_postal_code(value: object) -> str:
    """Five digits ("8000" -> "08000", "29 200" -> "29200"), or "" for anything else."""
    if isinstance(value, float) and value.is_integer():  # spreadsheets turn codes into floats
        value = int(value)
    return normalise_postal_code(clean_text(value))


# --- tags --------------------------------------------------------------------------------------


def fold(value: str) -> str:
    """Comparison key: lower case, no accents, punctuation as single spaces."""
    text = unicodedata.normalize("NFKD", value.replace("œ", "oe").replace("Œ", "OE"))
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).casefold()
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text).split())


_TAG_SEPARATORS = re.compile(r"[|;,\n]+")


@lru_cache(maxsize=32)
def _compile_vocabulary(
    vocabulary: tuple[str, ...],
) -> tuple[dict[tuple[str, ...], str], list[int]]:
    """Folded token tuple -> label, and the label lengths (in tokens) longest first."""
    labels: dict[tuple[str, ...], str] = {}
    for label in vocabulary:
        key = tuple(fold(label).split())
        if key:
            labels.setdefault(key, label)
    return labels, sorted({len(k) for k in labels}, reverse=True)


def _tag_adder(result: list[str]):
    def add(tag: str) -> None:
        tag = " ".join(tag.split()).strip(" -–.")
        if tag and not is_placeholder(tag) and tag not in result:
            result.append(tag)

    return add


def _tokens(words: list[str]) -> tuple[list[str], list[int]]:
    """Folded tokens of the words, and the word each comes from (a word may fold to several
    tokens: "l'exclusion" -> "l exclusion")."""
    tokens: list[str] = []
    owner: list[int] = []
    for index, word in enumerate(words):
        for token in fold(word).split():
            tokens.append(token)
            owner.append(index)
    return tokens, owner


def _vocabulary_tags(text: str, vocabulary: Iterable[str], keep_unknown: bool, add) -> None:
    """Labels of the closed vocabulary found in `text`, longest first; with `keep_unknown`,
    the text between them given back verbatim, split on the separators."""
    labels, lengths = _compile_vocabulary(tuple(vocabulary))
    words = text.split()  # each original word kept, so unknown fragments are given back as is
    tokens, owner = _tokens(words)

    def flush(unknown: list[int]) -> None:
        if unknown and keep_unknown:
            for part in _TAG_SEPARATORS.split(" ".join(words[j] for j in unknown)):
                add(part)
        unknown.clear()

    unknown: list[int] = []
    i = 0
    while i < len(tokens):
        n = next((n for n in lengths if tuple(tokens[i : i + n]) in labels), 0)
        if n:
            flush(unknown)
            add(labels[tuple(tokens[i : i + n])])
            i += n
            continue
        if not unknown or unknown[-1] != owner[i]:
            unknown.append(owner[i])
        i += 1
    flush(unknown)


def split_tags(
    value: object, vocabulary: Iterable[str] | None = None, keep_unknown: bool = False
) -> list[str]:
    """Tags of a multi-valued field, de-duplicated, in order of appearance.

    Without a vocabulary, split on ``|``, ``;``, ``,`` and newlines. With a closed vocabulary,
    match its labels first, longest first, case- and accent-insensitively, so that labels holding
    commas or spaces survive ("Emploi, Formation" stays one tag, and a space-joined list like
    Apriles' "Jeunesse Emploi, Formation Education" is split correctly). Text matching no label
    is dropped, unless ``keep_unknown``: it is then split on the separators.
    """
    text = clean_text(value) if not isinstance(value, str) or "<" in value else value
    text = unicodedata.normalize("NFC", text)
    result: list[str] = []
    if not text.strip():
        return result
    add = _tag_adder(result)
    if vocabulary is None:
        for part in _TAG_SEPARATORS.split(text):
            add(part)
    else:
        _vocabulary_tags(text, vocabulary, keep_unknown, add)
    return result


# --- structures --------------------------------------------------------------------------------

_KIND_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "collectivite",
        re.compile(
            r"\b(mairie|ville|commune|ccas|cias|conseil (general|departemental|regional)|"
            r"departement|region|communaute (de communes|d agglomeration|urbaine)|metropole|"
            r"agglomeration|syndicat intercommunal|pays)\b"
        ),
    ),
    ("etat", re.compile(r"\b(prefecture|ministere|education nationale|caf|pole emploi)\b")),
    ("ess", re.compile(r"\b(scop|scic|cooperative|mutuelle|esat|entreprise d insertion)\b")),
    ("association", re.compile(r"\b(association|asso|federation|fondation|reseau)\b")),
    ("entreprise", re.compile(r"\b(sarl|sas|sa|eurl|societe|entreprise)\b")),
)


def guess_structure_kind(name: str) -> str:
    """A StructureKind value guessed from a structure's name ("Mairie de Dijon" ->
    "collectivite"), or "" when the name says nothing."""
    key = fold(name or "")
    for kind, pattern in _KIND_PATTERNS:
        if pattern.search(key):
            return kind
    return ""
