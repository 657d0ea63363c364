"""The admin screen where editors confirm or correct suggested codes, keyword by keyword.

Keywords without a rule, most frequent first (`UnknownTag` counts pages), each with the codes
suggested to its pages (`catalogue.SuggestedCode`, computed at harvest time; computed here when
the keyword was met before suggestions existed), why each was suggested, and example records.
Confirming a row writes the keyword rule (`TagMapping`) and gives its codes to every page of that
source with that keyword, through `catalogue.services`; the next harvests apply the rule too.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.shortcuts import redirect
from django.urls import path, reverse, reverse_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from catalogue import services
from catalogue.models import NomenclatureCode, SuggestedCode
from importers.models import Source, TagMapping, UnknownTag
from importers.recoding import tag_key

PER_PAGE = 25
EXAMPLES = 3
MAX_ROWS_POSTED = 100

HOW = {
    "exact": gettext_lazy("même mot-clé"),
    "stem": gettext_lazy("mêmes mots, autre forme"),
    "part": gettext_lazy("partie du mot-clé"),
    "near": gettext_lazy("mot proche (faute ou variante)"),
    "words": gettext_lazy("mots en commun"),
    "text": gettext_lazy("titre et description de la fiche"),
}
KIND = {
    "mapping": gettext_lazy("correspondance de la source « %(origin)s »"),
    "rule": gettext_lazy("règle confirmée pour « %(origin)s »"),
    "label": gettext_lazy("libellé de la nomenclature (%(origin)s)"),
}


def can_confirm(user) -> bool:
    """Editors who may write keyword rules (and so code pages in bulk)."""
    return user.is_active and (
        user.is_superuser
        or (
            user.has_perm("importers.add_tagmapping")
            and user.has_perm("importers.change_tagmapping")
        )
    )


def reason_text(reason: dict) -> str:
    how = HOW.get(reason.get("how"), reason.get("how", ""))
    kind = KIND.get(reason.get("kind"))
    where = kind % {"origin": reason.get("origin", "")} if kind else ""
    return f"{how} : « {reason.get('text', '')} », {where}"


def _pending_tags():
    """Unknown tags no rule maps yet (a rule written since the last run hides its tag)."""
    mapped = set(TagMapping.objects.values_list("source_label", "tag_key"))
    return [
        t
        for t in UnknownTag.objects.select_related("source").order_by("-occurrences", "tag")
        if (t.source.mapping_label or t.source.name, t.tag_key) not in mapped
    ]


def _stored(tags) -> dict[tuple[str, str], dict]:
    """(source name, keyword key) → {"codes": {code: {count, reasons}}, "examples": [page]}."""
    keys = {t.tag_key for t in tags}
    rows = (
        SuggestedCode.objects.filter(keyword_key__in=keys)
        .select_related("code", "project")
        .order_by("-score", "pk")
    )
    found: dict[tuple[str, str], dict] = {}
    for s in rows:
        entry = found.setdefault((s.source_key, s.keyword_key), {"codes": {}, "examples": {}})
        code = entry["codes"].setdefault(s.code.code, {"count": 0, "reasons": s.reasons})
        code["count"] += 1
        if len(entry["examples"]) < EXAMPLES:
            entry["examples"].setdefault(s.project_id, s.project)
    return found


def _row(tag, stored, suggester, names) -> dict:
    entry = stored.get((tag.source.name, tag.tag_key))
    if entry:
        codes = [
            {"code": c, "name": names.get(c, c), "pages": v["count"],
             "reasons": [reason_text(r) for r in v["reasons"][:3]]}
            for c, v in entry["codes"].items()
        ]  # fmt: skip
        examples = list(entry["examples"].values())
    else:
        codes = [
            {"code": s.code, "name": names.get(s.code, s.code), "pages": None,
             "reasons": [reason_text(r) for r in s.as_dict()["reasons"]]}
            for s in suggester().suggest(tag.tag)
        ]  # fmt: skip
        examples = []
    return {
        "tag": tag,
        "codes": codes,
        "examples": examples,
        "suggested": {c["code"] for c in codes},
    }


class CodeSuggestionsView(WagtailAdminTemplateMixin, TemplateView):
    template_name = "importers/admin/code_suggestions.html"
    header_icon = "tag"

    def dispatch(self, request, *args, **kwargs):
        if not can_confirm(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_page_title(self):
        return _("Codes suggérés à confirmer")

    def get_breadcrumbs_items(self):
        return [
            {"url": reverse("wagtailadmin_home"), "label": _("Tableau de bord")},
            {"url": "", "label": self.get_page_title()},
        ]

    def get_context_data(self, **kwargs):
        from importers.suggest import Suggester
        from importers.suggest_data import evidence_from_db

        context = super().get_context_data(**kwargs)
        page = Paginator(_pending_tags(), PER_PAGE).get_page(self.request.GET.get("p"))
        stored = _stored(page.object_list)
        cached = []

        def suggester():
            if not cached:
                cached.append(Suggester(evidence_from_db()))
            return cached[0]

        codes = list(NomenclatureCode.objects.order_by("name"))
        names = {c.code: c.name for c in codes}
        context.update(
            page_obj=page,
            rows=[_row(t, stored, suggester, names) for t in page.object_list],
            all_codes=codes,
        )
        return context

    def post(self, request, *args, **kwargs):
        done, pages = 0, {"coded": 0, "unchanged": 0, "curated": 0}
        for tag, codes in confirmed_rows(request.POST):
            counts = confirm_keyword(tag, codes, request.user)
            done += 1
            for key, n in counts.items():
                pages[key] += n
        if done:
            messages.success(
                request,
                _(
                    "%(rules)d règle(s) enregistrée(s) ; %(coded)d fiche(s) codée(s), "
                    "%(curated)d laissée(s) telles quelles (codes choisis à la main)."
                )
                % {"rules": done, "coded": pages["coded"], "curated": pages["curated"]},
            )
        else:
            messages.warning(
                request, _("Aucune ligne confirmée : cochez « Confirmer » et au moins un code.")
            )
        return redirect(request.get_full_path())


def _digits(value) -> int | None:
    return int(value) if isinstance(value, str) and value.isdigit() else None


def confirmed_rows(data):
    """(unknown tag, codes) of the rows ticked "Confirmer" with at least one real code.

    Everything posted is untrusted: row counts and ids must be digits, codes must exist."""
    valid = set(NomenclatureCode.objects.values_list("code", flat=True))
    rows = _digits(data.get("rows")) or 0
    for i in range(min(rows, MAX_ROWS_POSTED)):
        if data.get(f"row-{i}-confirm") != "1":
            continue
        wanted = (set(data.getlist(f"row-{i}-codes")) | {data.get(f"row-{i}-extra", "")}) & valid
        pk = _digits(data.get(f"row-{i}-tag"))
        tag = UnknownTag.objects.select_related("source").filter(pk=pk).first() if pk else None
        if tag is not None and wanted:
            yield tag, sorted(wanted)


def confirm_keyword(tag: UnknownTag, codes: list[str], user) -> dict[str, int]:
    """Write the keyword's rule for its source and code every page the keyword suggested to."""
    source: Source = tag.source
    label = source.mapping_label or source.name
    with transaction.atomic():
        rule, _created = TagMapping.objects.get_or_create(
            source_label=label,
            tag_key=tag_key(tag.tag),
            defaults={"tag": tag.tag, "origin": "suggestion"},
        )
        rule.codes.add(*NomenclatureCode.objects.filter(code__in=codes))
        if not source.mapping_label:
            Source.objects.filter(pk=source.pk).update(mapping_label=label)
    counts = services.confirm_codes(
        services.pages_with_keyword(source.name, tag.tag_key), codes, user=user
    )
    tag.delete()
    return counts


def admin_urls():
    return [
        path("collecte/codes-suggeres/", CodeSuggestionsView.as_view(), name="importers_code_suggestions"),
    ]  # fmt: skip


def menu_item():
    from importers.admin_views import _PermissionMenuItem

    return _PermissionMenuItem(
        gettext_lazy("Codes suggérés"),
        reverse_lazy("importers_code_suggestions"),
        icon_name="tick",
        order=450,
        check=can_confirm,
    )
