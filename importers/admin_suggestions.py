"""The admin screen where editors confirm or correct suggested codes, keyword by keyword.

Keywords without a rule, most frequent first (`UnknownTag` counts pages), each with the codes
suggested to its pages (`catalogue.SuggestedCode`, computed at harvest time; computed here when
the keyword was met before suggestions existed), why each was suggested, and example records.
Then the codes suggested from records' title and description (records with no keyword), grouped
by source and code, with examples and why.

Confirming a keyword row writes its rule (`TagMapping`) at once (the next harvests apply it);
confirming any row queues the coding of its pages (`importers.code_confirmations`: a background
task, its progress shown here), through `catalogue.services`. Unticking a suggested code and
choosing another corrects it: the row's suggestions are settled either way.
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
from importers import code_confirmations
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
            text_rows=_text_rows(),
            all_codes=codes,
            jobs=code_confirmations.recent_jobs(),
        )
        return context

    def post(self, request, *args, **kwargs):
        rows = [confirm_keyword(tag, codes) for tag, codes in confirmed_rows(request.POST)]
        rows += list(confirmed_text_rows(request.POST))
        if not rows:
            messages.warning(
                request, _("Aucune ligne confirmée : cochez « Confirmer » et au moins un code.")
            )
            return redirect(request.get_full_path())
        rules = sum(1 for r in rows if r["keyword_key"])
        job, created = code_confirmations.queue(rows, request.user)
        if job is None:
            text = _("%(rules)d règle(s) enregistrée(s) ; aucune fiche à coder.")
        elif created:
            text = _(
                "%(rules)d règle(s) enregistrée(s) ; le codage de %(pages)d fiche(s) se fait "
                "en arrière-plan : suivez-le ci-dessous."
            )
        else:
            text = _(
                "%(rules)d règle(s) enregistrée(s) ; ces fiches sont déjà en cours de codage "
                "(rien n'est lancé deux fois)."
            )
        messages.success(request, text % {"rules": rules, "pages": job.pages_total if job else 0})
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


def _text_rows() -> list[dict]:
    return [
        dict(group, why=[reason_text(r) for r in group["reasons"][:3]])
        for group in services.text_suggestion_groups(limit=PER_PAGE, examples=EXAMPLES)
    ]


def confirmed_text_rows(data):
    """Job rows of the title-and-description groups ticked "Confirmer": the codes kept or
    chosen instead, given to every page whose text suggested the group's code. Untrusted:
    the source and code must name a group that exists."""
    valid = set(NomenclatureCode.objects.values_list("code", flat=True))
    rows = _digits(data.get("text-rows")) or 0
    for i in range(min(rows, MAX_ROWS_POSTED)):
        if data.get(f"text-{i}-confirm") != "1":
            continue
        suggested = data.get(f"text-{i}-code", "")
        source_key = data.get(f"text-{i}-source", "")
        wanted = set(data.getlist(f"text-{i}-codes")) | {data.get(f"text-{i}-extra", "")}
        wanted &= valid
        sane = suggested in valid and 0 < len(source_key) <= 120 and "\x00" not in source_key
        pages = (
            services.pages_with_text_suggestion(source_key, suggested) if wanted and sane else []
        )
        if pages:
            yield {
                "label": f"{source_key} — {suggested}",
                "source_key": source_key,
                "keyword_key": "",
                "suggested": suggested,
                "codes": sorted(wanted),
                "pages": pages,
            }


def confirm_keyword(tag: UnknownTag, codes: list[str]) -> dict:
    """Write the keyword's rule for its source (at once); the job row that codes every page
    the keyword suggested codes to (in the background)."""
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
        tag.delete()
    return {
        "label": tag.tag,
        "source_key": source.name,
        "keyword_key": tag.tag_key,
        "codes": codes,
        "pages": services.pages_with_keyword(source.name, tag.tag_key),
    }


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
