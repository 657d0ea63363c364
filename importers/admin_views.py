"""Harvest screens of the Wagtail admin: preview, run now, run history, the duplicates queue and
the tags waiting for a mapping. Registered from `wagtail_hooks.py`.

The preview fetches the first list page (and the first detail page) in-process and shows, per
item and per field, what was extracted and what the normalisation made of it; nothing is saved
(offline geocoding only, no unknown tag recorded).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse, reverse_lazy
from django.utils.translation import gettext as _
from django.views.generic import TemplateView
from wagtail.admin.menu import MenuItem
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from catalogue import services
from catalogue.models import ProjectPage
from importers.admin_preview import build_preview, draft_source
from importers.dedup_decisions import differences, remember
from importers.models import DuplicateCandidate, HarvestRun, Source, TagMapping, UnknownTag
from importers.recoding import tag_key


def can_manage(user) -> bool:
    return user.is_active and (user.is_superuser or user.has_perm("importers.change_source"))


def can_review(user) -> bool:
    return user.is_active and (
        user.is_superuser or user.has_perm("importers.change_duplicatecandidate")
    )


class HarvestAdminView(WagtailAdminTemplateMixin, TemplateView):
    header_icon = "download"
    permission_check = staticmethod(can_manage)

    def dispatch(self, request, *args, **kwargs):
        if not self.permission_check(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_breadcrumbs_items(self):
        return [
            {"url": reverse("wagtailadmin_home"), "label": _("Tableau de bord")},
            {"url": reverse("wagtailsnippets_importers_source:list"), "label": _("Sources")},
            {"url": "", "label": self.get_page_title()},
        ]


# -- preview ---------------------------------------------------------------------------------
class SourcePreviewView(HarvestAdminView):
    template_name = "importers/admin/source_preview.html"

    def get_page_title(self):
        return _("Aperçu : %(name)s") % {"name": self.source.name}

    def dispatch(self, request, pk, *args, **kwargs):
        self.source = get_object_or_404(Source, pk=pk)
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["source"] = self.source
        context.update(build_preview(self.source))
        return context


class SourceDraftPreviewView(HarvestAdminView):
    """The preview of the configuration being typed in the source form (posted by the form's
    "preview" button): nothing is saved."""

    template_name = "importers/admin/source_preview.html"
    http_method_names = ["post"]

    def get_page_title(self):
        return _("Aperçu de la configuration saisie : %(name)s") % {"name": self.source.name}

    def post(self, request, pk=None):
        instance = get_object_or_404(Source, pk=pk) if pk else None
        self.source, problems = draft_source(request.POST, instance)
        context = self.get_context_data(draft=True, source=self.source)
        context.update({"config_errors": problems} if problems else build_preview(self.source))
        return self.render_to_response(context)


# -- runs ------------------------------------------------------------------------------------
def run_now(request, pk):
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    if not can_manage(request.user):
        raise PermissionDenied
    source = get_object_or_404(Source, pk=pk)
    from importers.tasks import enqueue_harvest

    try:
        limit = int(request.POST.get("limit") or 0) or None
    except ValueError:
        limit = None
    enqueue_harvest(source, trigger=HarvestRun.Trigger.ADMIN, limit=limit)
    messages.success(
        request,
        _("Collecte de « %(name)s » lancée : elle apparaît dans l'historique dès son début.")
        % {"name": source.name},
    )
    return redirect("importers_source_runs", pk=source.pk)


class SourceRunsView(HarvestAdminView):
    template_name = "importers/admin/source_runs.html"

    def get_page_title(self):
        if self.source is None:
            return _("Collectes")
        return _("Collectes : %(name)s") % {"name": self.source.name}

    def dispatch(self, request, pk=None, *args, **kwargs):
        self.source = get_object_or_404(Source, pk=pk) if pk else None
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        runs = HarvestRun.objects.select_related("source")
        if self.source is not None:
            runs = runs.filter(source=self.source)
        context["source"] = self.source
        context["runs"] = Paginator(runs, 50).get_page(self.request.GET.get("p"))
        return context


class RunDetailView(HarvestAdminView):
    template_name = "importers/admin/run_detail.html"

    def get_page_title(self):
        return str(self.run)

    def dispatch(self, request, pk, *args, **kwargs):
        self.run = get_object_or_404(HarvestRun.objects.select_related("source"), pk=pk)
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        errors = self.run.errors.all()
        kind = self.request.GET.get("type")
        if kind:
            errors = errors.filter(kind=kind)
        context.update(
            run=self.run,
            kinds=self.run.errors.values_list("kind", flat=True).distinct().order_by("kind"),
            kind=kind,
            errors=Paginator(errors, 100).get_page(self.request.GET.get("p")),
            summary=(self.run.diagnostics or {}).get("summary", {}),
        )
        return context


# -- duplicates ----------------------------------------------------------------------------
class DuplicateQueueView(HarvestAdminView):
    template_name = "importers/admin/duplicates.html"
    permission_check = staticmethod(can_review)

    def get_page_title(self):
        return _("Doublons à examiner")

    def get_breadcrumbs_items(self):
        return [
            {"url": reverse("wagtailadmin_home"), "label": _("Tableau de bord")},
            {"url": "", "label": self.get_page_title()},
        ]

    def post(self, request, *args, **kwargs):
        candidate = get_object_or_404(
            DuplicateCandidate, pk=request.POST.get("candidate"), status="pending"
        )
        decision = request.POST.get("decision")
        if decision in ("merge", "apart"):
            # Remembered before the merge moves the record's provenance: later runs apply it.
            remember(candidate, same=decision == "merge", user=request.user)
        if decision == "merge":
            try:
                services.merge_projects(candidate.project, candidate.existing, user=request.user)
            except services.ServiceError as error:
                messages.error(request, str(error))
                return redirect("importers_duplicates")
            candidate.status = DuplicateCandidate.Status.MERGED
            messages.success(
                request,
                _("« %(title)s » rejoint la fiche existante ; son adresse y redirige.")
                % {"title": candidate.project.title},
            )
        elif decision == "apart":
            candidate.status = DuplicateCandidate.Status.KEPT_APART
            messages.success(request, _("Les deux fiches restent distinctes."))
        else:
            raise PermissionDenied
        from django.utils import timezone

        candidate.decided_by = request.user
        candidate.decided_at = timezone.now()
        candidate.save(update_fields=["status", "decided_by", "decided_at"])
        return redirect("importers_duplicates")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        pending = DuplicateCandidate.objects.filter(status="pending").select_related("source")
        page = Paginator(pending, 30).get_page(self.request.GET.get("p"))
        ids = {c.project_id for c in page} | {c.existing_id for c in page}
        pages = {
            p.pk: p for p in ProjectPage.objects.filter(pk__in=ids).prefetch_related("sources")
        }
        context["candidates"] = [
            {
                "candidate": c,
                "project": pages.get(c.project_id),
                "existing": pages.get(c.existing_id),
                "fields": differences(pages[c.project_id], pages[c.existing_id])
                if c.project_id in pages and c.existing_id in pages
                else [],
            }
            for c in page
        ]
        context["page_obj"] = page
        context["decided"] = DuplicateCandidate.objects.exclude(status="pending").count()
        return context


# -- unknown tags -------------------------------------------------------------------------
class UnknownTagsView(HarvestAdminView):
    template_name = "importers/admin/unknown_tags.html"

    def get_page_title(self):
        return _("Mots-clés sans correspondance")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        tags = UnknownTag.objects.select_related("source")
        mapped = {
            (label, key) for label, key in TagMapping.objects.values_list("source_label", "tag_key")
        }
        rows = []
        for tag in tags:
            label = tag.source.mapping_label or tag.source.name
            if (label, tag_key(tag.tag)) in mapped:
                continue
            rows.append(
                {
                    "tag": tag,
                    "label": label,
                    "add_url": reverse("wagtailsnippets_importers_tagmapping:add")
                    + "?"
                    + _query({"source_label": label, "tag": tag.tag}),
                }
            )
        context["rows"] = rows
        return context


def _query(params: dict) -> str:
    from urllib.parse import urlencode

    return urlencode(params)


def admin_urls():
    return [
        path("collecte/sources/<int:pk>/apercu/", SourcePreviewView.as_view(), name="importers_source_preview"),
        path("collecte/sources/apercu/", SourceDraftPreviewView.as_view(), name="importers_source_draft_preview"),
        path("collecte/sources/<int:pk>/apercu-saisie/", SourceDraftPreviewView.as_view(), name="importers_source_draft_preview"),
        path("collecte/sources/<int:pk>/lancer/", run_now, name="importers_source_run"),
        path("collecte/sources/<int:pk>/collectes/", SourceRunsView.as_view(), name="importers_source_runs"),
        path("collecte/collectes/", SourceRunsView.as_view(), name="importers_runs"),
        path("collecte/collectes/<int:pk>/", RunDetailView.as_view(), name="importers_run"),
        path("collecte/doublons/", DuplicateQueueView.as_view(), name="importers_duplicates"),
        path("collecte/mots-cles/", UnknownTagsView.as_view(), name="importers_unknown_tags"),
    ]  # fmt: skip


class _PermissionMenuItem(MenuItem):
    def __init__(self, *args, check, **kwargs):
        super().__init__(*args, **kwargs)
        self.check = check

    def is_shown(self, request):
        return self.check(request.user)


def menu_items():
    return [
        _PermissionMenuItem(
            _("Historique des collectes"),
            reverse_lazy("importers_runs"),
            icon_name="history",
            order=300,
            check=can_manage,
        ),
        _PermissionMenuItem(
            _("Doublons à examiner"),
            reverse_lazy("importers_duplicates"),
            icon_name="group",
            order=400,
            check=can_review,
        ),
        _PermissionMenuItem(
            _("Mots-clés sans correspondance"),
            reverse_lazy("importers_unknown_tags"),
            icon_name="tag",
            order=500,
            check=can_manage,
        ),
    ]
