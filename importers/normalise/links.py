"""Link values a record did not keep: what the run's report lists, so none is lost silently.

A partner's website and social fields go through `clean.clean_url` / `clean.social_profile_url`
into the record's ``website`` and ``social_links``. Whatever did not end up there is set aside:
a value that is no link at all ("en cours", "Madame X", a mangled address), or a valid link the
record had no room for (a second website). `set_aside` names them for the run's report.
"""

from __future__ import annotations

from .clean import SOCIAL_PROFILE_BASES, clean_text, social_profile_url, split_links

#: Record attributes (see `items.FIELD_NAMES`) whose values are links.
LINK_FIELDS = ("website", "video", *SOCIAL_PROFILE_BASES)
LABELS = {"website": "site", "video": "vidéo"}


def _links(attr: str, text: str) -> tuple[list[str], list[str]]:
    urls, emails = split_links(text)
    if not urls and attr in SOCIAL_PROFILE_BASES:
        url = social_profile_url(attr, text)
        urls = [url] if url else []
    return urls, emails


def set_aside(values: dict[str, list[str]], record) -> list[str]:
    """French lines, one per link value of ``values`` (attribute -> raw values) that the record
    does not carry: invalid ones and valid ones left over."""
    kept = {record.website, record.contact_email, *record.social_links.values()}
    lines = []
    for attr in LINK_FIELDS:
        label = LABELS.get(attr, attr)
        for raw in values.get(attr, []):
            text = clean_text(raw)
            if not text:
                continue
            urls, emails = _links(attr, text)
            if not urls and not emails:
                kind = "adresse électronique" if "@" in text else label
                lines.append(f"{kind} invalide : « {text[:300]} »")
                continue
            lines += [f"{label} non repris : {u}" for u in urls if u not in kept]
    return lines
