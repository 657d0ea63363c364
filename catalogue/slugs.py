"""Page addresses without accents: "/education-populaire/", not "/éducation-populaire/".

`WAGTAIL_ALLOW_UNICODE_SLUGS = False` makes Wagtail (admin and server side) produce ASCII slugs
from now on. Pages made before keep working: `ascii_slugs()` (run by `ensure_site_tree`, so by
`load_sample_data`) gives each of them an ASCII slug and Wagtail's redirects app records a
permanent redirect from the old address (`page_slug_changed`), so no published link breaks.
"""

from __future__ import annotations

from django.db import transaction
from django.utils.text import slugify
from wagtail.models import Page


def _free_slug(page: Page, base: str) -> str:
    siblings = set(
        Page.objects.sibling_of(page, inclusive=False)
        .filter(slug__startswith=base)
        .values_list("slug", flat=True)
    )
    slug, n = base, 2
    while slug in siblings:
        slug = f"{base}-{n}"
        n += 1
    return slug


def ascii_slugs() -> list[tuple[str, str]]:
    """Re-slug the pages whose slug is not ASCII; returns (old URL path, new URL path) pairs."""
    changed = []
    for page in Page.objects.filter(depth__gt=1, slug__regex=r"[^-_a-zA-Z0-9]"):
        page = page.specific
        base = slugify(page.slug)[:200] or slugify(page.title)[:200] or "page"
        with transaction.atomic():
            old_path = page.url_path
            page.slug = _free_slug(page, base)
            page.save(clean=False)  # Page.save sends page_slug_changed: the redirect
            # The latest revision holds the slug the editor would publish next: keep it in step.
            revision = page.latest_revision
            if revision is not None and revision.content.get("slug") not in (None, page.slug):
                revision.content["slug"] = page.slug
                revision.save(update_fields=["content"])
        changed.append((old_path, page.url_path))
    return changed
