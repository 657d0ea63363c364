"""Every form saved unchanged changes nothing, on the real sample records (a few pages of every
kind by default, all 1,931 with ROUND_TRIP_ALL=1: see `_chosen_pks`).

The sample site is built by the real `load_sample_data` (FFE laureates and the Apriles harvest),
once for the module, in a transaction rolled back after it. Each form is read as a browser
reads it (the controls of the rendered <form>, with their rendered values) and posted back
as a browser submits it; what the page, profile or space holds is compared before and after:
every field of the page's latest revision, its keywords, codes, rich text and location.
(The same journey in a real browser, Draftail and the tag field's script included, is in
tests/catalogue/test_browser_round_trip.py.)
"""

from __future__ import annotations

import os
import re

import lxml.html
import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import transaction
from django.test import Client, override_settings
from django.urls import reverse

from catalogue.models import ProjectPage, TaxonomyGroup

pytestmark = pytest.mark.django_db

# Revision fields that record when and by whom, not what the page says.
VOLATILE = {
    "latest_revision", "latest_revision_created_at", "live_revision", "last_published_at",
    "has_unpublished_changes", "first_published_at", "locked", "locked_at", "locked_by",
    "owner", "comments", "draft_title", "live", "expired", "numchild", "path", "depth",
    "url_path",
}  # fmt: skip
RICH_SOURCES = ("La France s'engage", "Apriles")
JOINED = ("Emploi, Formation", "Culture, Sport", "Gouvernance, partenariats institutionnels")


def form_data(html: str, *, form_id: str | None = None, has_field: str | None = None) -> dict:
    """The successful controls of a rendered form, as a browser submits it untouched."""
    doc = lxml.html.fromstring(html)
    forms = [doc.get_element_by_id(form_id)] if form_id else doc.forms
    form = next(f for f in forms if has_field is None or f.xpath(f".//*[@name='{has_field}']"))
    data: dict[str, list[str]] = {}
    for el in form.iter("input", "textarea", "select"):
        name = el.get("name")
        if not name or el.get("disabled") is not None:
            continue
        kind = (el.get("type") or "text").lower()
        if el.tag == "input" and kind in ("submit", "button", "file", "image", "reset"):
            continue
        if el.tag == "input" and kind in ("checkbox", "radio"):
            if el.get("checked") is not None:
                data.setdefault(name, []).append(el.get("value", "on"))
        elif el.tag == "input":
            data.setdefault(name, []).append(el.get("value", ""))
        elif el.tag == "textarea":
            # Browsers drop the one newline that follows <textarea> (lxml keeps it).
            text = el.text or ""
            data.setdefault(name, []).append(text[1:] if text.startswith("\n") else text)
        else:
            options = el.findall(".//option")
            chosen = [o for o in options if o.get("selected") is not None]
            if not chosen and el.get("multiple") is None and options:
                chosen = options[:1]
            for option in chosen:
                data.setdefault(name, []).append(option.get("value", option.text_content()))
    return data


def page_state(pk: int) -> dict:
    """What the page says, from its latest revision (every field, keywords by name)."""
    page = ProjectPage.objects.get(pk=pk)
    draft = page.get_latest_revision_as_object()
    state = {k: v for k, v in draft.serializable_data().items() if k not in VOLATILE}
    state["tagged_items"] = sorted(draft.tags.names())
    state["distinctions"] = [
        {k: v for k, v in d.items() if k not in ("pk", "id", "project")}
        for d in state.get("distinctions", [])
    ]
    return state


def differences(before: dict, after: dict) -> dict:
    return {
        k: (before.get(k), after.get(k)) for k in before | after if before.get(k) != after.get(k)
    }


@pytest.fixture(scope="module")
def sample_site(django_db_setup, django_db_blocker):
    """`load_sample_data`'s site and a superuser, for the module (rolled back after it)."""
    backends = {
        name: {**params, "AUTO_UPDATE": False}
        for name, params in settings.WAGTAILSEARCH_BACKENDS.items()
    }
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            with override_settings(WAGTAILSEARCH_BACKENDS=backends):
                call_command("load_sample_data", verbosity=0)
                editor = get_user_model().objects.create_superuser(
                    "redaction", "redaction@example.org", "pw"
                )
                yield editor
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


def _pages_with_raw_tags(labels) -> list[ProjectPage]:
    """Pages whose source gave one of these labels (read in Python: SQLite has no JSON
    containment lookup)."""
    from catalogue.models import ProjectSource

    pks = {
        s.project_id
        for s in ProjectSource.objects.only("project_id", "raw_tags")
        if set(s.raw_tags or ()) & set(labels)
    }
    return list(ProjectPage.objects.filter(pk__in=pks).order_by("pk"))


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


# The page fields whose presence or absence the round trip covers (with the description's
# HTML elements, the keywords' shapes, the distinctions and the codes: see `_features`).
OPTIONAL_FIELDS = (
    "summary", "website", "facebook_url", "twitter_url", "linkedin_url", "instagram_url",
    "youtube_url", "contact_email", "contact_phone", "structure_name", "structure_kind",
    "start_year", "stage", "scale", "address", "postal_code", "insee_code", "location",
    "location_note", "image_id",
)  # fmt: skip
COVERS = 3  # pages per (source, feature value), where the sample has that many


def _features() -> dict[int, set[tuple]]:
    """What each sample page holds that a form must give back, as (source, feature, value):
    each optional field set or empty, each HTML element of the description, a newline in the
    summary, markup-like characters in the title, keywords (none, one, several; accented or
    punctuated; joined by the source), distinctions, codes (none, one, several)."""
    from catalogue.models import ProjectDistinction, ProjectSource, ProjectTag

    sources = {
        s.project_id: s for s in ProjectSource.objects.only("project_id", "source_key", "raw_tags")
    }
    tags: dict[int, list[str]] = {}
    for pk, name in ProjectTag.objects.values_list("content_object_id", "tag__name"):
        tags.setdefault(pk, []).append(name)
    distinguished = set(ProjectDistinction.objects.values_list("project_id", flat=True))
    codes: dict[int, int] = {}
    for pk in ProjectPage.codes.through.objects.values_list("projectpage_id", flat=True):
        codes[pk] = codes.get(pk, 0) + 1
    features = {}
    for page in ProjectPage.objects.only("title", *OPTIONAL_FIELDS, "description"):
        source = sources.get(page.pk)
        names = tags.get(page.pk, [])
        elements = set(re.findall(r"<(\w+)", page.description or ""))
        found = {(f, getattr(page, f) not in (None, "")) for f in OPTIONAL_FIELDS}
        found |= {("element", e) for e in elements} | {("plain text", not elements)}
        found |= {
            ("newline in summary", "\n" in (page.summary or "")),
            ("markup characters", bool(re.search(r"[&<>\"«»’]", page.title))),
            ("keywords", min(len(names), 2)),
            ("punctuated keyword", any(not n.isascii() or "'" in n or "-" in n for n in names)),
            ("joined keywords", any("," in t for t in (source.raw_tags or []) if source)),
            ("distinctions", page.pk in distinguished),
            ("codes", min(codes.get(page.pk, 0), 2)),
        }
        key = source.source_key if source else None
        features[page.pk] = {(key, *f) for f in found}
    return features


def _chosen_pks() -> list[int]:
    """The pages the round trips cover: a few pages for every kind of content the sample holds.

    All 1,931 sample pages through the editor take ~40 minutes on this machine, far past the
    suite's budget; ROUND_TRIP_ALL=1 runs them all. By default, pages are picked (greedily,
    the page covering most of what is still missing first) until each (source, feature value)
    of `_features` is held by `COVERS` chosen pages: about 45 pages stand for the 215 that
    "every third FFE and Apriles page" took, and cover more (every source, every field both
    set and empty). The pages whose source joined keywords are added as they are the bug this
    test was written for.
    """
    features = _features()
    if os.environ.get("ROUND_TRIP_ALL"):
        return sorted(features)
    wanted: dict[tuple, int] = {}
    for found in features.values():
        for value in found:
            wanted[value] = min(COVERS, wanted.get(value, 0) + 1)
    chosen = {p.pk for p in _pages_with_raw_tags(JOINED)[:5]}
    for pk in chosen:
        _cover(wanted, features.pop(pk))
    while any(wanted.values()):
        pk = max(features, key=lambda pk: (sum(1 for v in features[pk] if wanted.get(v)), -pk))
        chosen.add(pk)
        _cover(wanted, features.pop(pk))
    return sorted(chosen)


def _cover(wanted: dict[tuple, int], found: set[tuple]) -> None:
    for value in found:
        if wanted.get(value):
            wanted[value] -= 1


def test_sample_keywords_hold_no_comma(sample_site):
    pages = ProjectPage.objects.all()
    assert pages.count() > 1500
    names = {n for page in pages for n in page.tags.names()}
    assert not [n for n in names if "," in n or '"' in n]
    # The pages whose source joined keywords hold their parts.
    joined = _pages_with_raw_tags(["Emploi, Formation"])
    assert len(joined) > 20
    assert all({"Emploi", "Formation"} <= set(p.tags.names()) for p in joined)


def test_wagtail_editor_saves_every_kind_of_sample_project_unchanged(sample_site):
    client = _client(sample_site)
    failures = []
    for pk in _chosen_pks():
        before = page_state(pk)
        revisions = ProjectPage.objects.get(pk=pk).revisions.count()
        response = client.get(f"/admin/pages/{pk}/edit/")
        assert response.status_code == 200, pk
        data = form_data(response.content.decode(), form_id="page-edit-form")
        response = client.post(f"/admin/pages/{pk}/edit/", data)
        assert response.status_code == 302, (pk, response.content[:2000])
        # The save happened (a new revision), and it says exactly what the page said.
        assert ProjectPage.objects.get(pk=pk).revisions.count() == revisions + 1
        diff = differences(before, page_state(pk))
        if diff:
            failures.append((pk, diff))
    assert failures == []


def test_publishing_unchanged_from_the_editor_keeps_joined_keywords_split(sample_site):
    client = _client(sample_site)
    pages = _pages_with_raw_tags(JOINED)[:5]
    assert len(pages) == 5
    for page in pages:
        before = page_state(page.pk)
        data = form_data(
            client.get(f"/admin/pages/{page.pk}/edit/").content.decode(), form_id="page-edit-form"
        )
        data["action-publish"] = ["action-publish"]
        assert client.post(f"/admin/pages/{page.pk}/edit/", data).status_code == 302
        live = ProjectPage.objects.get(pk=page.pk)
        assert differences(before, page_state(page.pk)) == {}
        assert sorted(live.tags.names()) == before["tagged_items"]
        assert live.live_revision_id == live.latest_revision_id


def test_front_end_edit_form_saves_every_kind_of_sample_project_unchanged(sample_site):
    """The holder's form (used here by an editor, who may use it on any page): no revision.
    The pages of `_chosen_pks` (all 330 FFE and Apriles pages passed when written)."""
    client = _client(sample_site)
    failures = []
    for pk in _chosen_pks():
        before = page_state(pk)
        latest = ProjectPage.objects.get(pk=pk).latest_revision_id
        url = reverse("community:holder_edit", args=[pk])
        response = client.get(url)
        assert response.status_code == 200, pk
        data = form_data(response.content.decode(), has_field="description")
        response = client.post(url, data, follow=True)
        assert response.status_code == 200
        page = ProjectPage.objects.get(pk=pk)
        if page.latest_revision_id != latest or differences(before, page_state(pk)):
            failures.append((pk, differences(before, page_state(pk))))
    assert failures == []


def test_profile_and_space_forms_save_unchanged(sample_site):
    from community import services as community

    member = get_user_model().objects.create_user("camille", "camille@example.org", "pw")
    profile = community.ensure_profile(member, "Camille Martin")
    profile.bio = "Première ligne,\nseconde ligne « guillemets » & <b>pas du HTML</b>"
    profile.organisation = "Tiers-lieu, Brest"
    profile.insee_code, profile.territory_name = "29019", "Brest"
    profile.save()
    groups = list(TaxonomyGroup.objects.order_by("pk")[:2])
    profile.interests.set(groups)
    space = community.create_space(
        sample_site,
        name="Alimentation, circuits courts",
        description="Un espace.\n\nDeux paragraphes, et https://exemple.org/a?b=1&c=2",
        themes=groups,
        insee_code="29019",
        territory_name="Brest",
    )

    def profile_state():
        p = type(profile).objects.get(pk=profile.pk)
        fields = ("display_name", "bio", "organisation", "insee_code", "territory_name", "avatar")
        return {f: str(getattr(p, f)) for f in fields} | {
            "interests": sorted(p.interests.values_list("pk", flat=True))
        }

    def space_state():
        s = type(space).objects.get(pk=space.pk)
        fields = ("name", "slug", "description", "visibility", "insee_code", "territory_name")
        return {f: getattr(s, f) for f in fields} | {
            "themes": sorted(s.themes.values_list("pk", flat=True))
        }

    client = _client(member)
    before = profile_state()
    data = form_data(
        client.get(reverse("community:profile_edit")).content.decode(), has_field="display_name"
    )
    assert data["bio"] == [profile.bio]
    assert client.post(reverse("community:profile_edit"), data).status_code == 302
    assert profile_state() == before

    client = _client(sample_site)
    before = space_state()
    url = reverse("community:space_edit", args=[space.slug])
    data = form_data(client.get(url).content.decode(), has_field="visibility")
    assert client.post(url, data).status_code == 302
    assert space_state() == before
