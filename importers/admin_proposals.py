"""Admin side of the partner role: granting it (snippet « Rôles de partenaire ») and reviewing
the sources partners propose from the front end (list, then one proposal with its
configuration and the admin's preview, enabled or declined with a button)."""

from __future__ import annotations

import json

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse, reverse_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail.admin.panels import FieldPanel
from wagtail.admin.ui.tables import Column
from wagtail.snippets.views.snippets import CreateView, SnippetViewSet

from . import partner_sources
from .admin_preview import build_preview
from .admin_views import HarvestAdminView, _PermissionMenuItem, can_manage
from .models import PartnerRole, ProposalStatus, Source


# -- the role ------------------------------------------------------------------------------
class PartnerRoleCreateView(CreateView):
    def save_instance(self):
        self.form.instance.granted_by = self.request.user
        return super().save_instance()


class PartnerRoleViewSet(SnippetViewSet):
    model = PartnerRole
    icon = "user"
    menu_label = gettext_lazy("Rôles de partenaire")
    menu_order = 300
    add_view_class = PartnerRoleCreateView
    # A plain list of partners (a handful), not the page chooser's modal.
    panels = [FieldPanel("user"), FieldPanel("partner", widget=forms.Select)]
    list_display = [
        Column("user", label=gettext_lazy("Membre"), accessor="user"),
        Column("partner", label=gettext_lazy("Partenaire"), accessor="partner"),
        Column("granted_by", label=gettext_lazy("Accordé par"), accessor="granted_by"),
        "granted_at",
    ]
    search_fields = []
    list_per_page = 50


# -- proposals -----------------------------------------------------------------------------
class ProposalListView(HarvestAdminView):
    template_name = "importers/admin/proposals.html"

    def get_page_title(self):
        return _("Sources proposées par les partenaires")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["proposals"] = partner_sources.pending()
        context["reviewed"] = (
            Source.objects.exclude(
                proposal_status__in=[ProposalStatus.NONE, ProposalStatus.PENDING]
            )
            .select_related("partner", "proposed_by", "reviewed_by")
            .order_by("-reviewed_at")[:20]
        )
        return context


class ProposalReviewView(HarvestAdminView):
    template_name = "importers/admin/proposal_review.html"

    def get_page_title(self):
        return _("Proposition : %(name)s") % {"name": self.source.name}

    def get_breadcrumbs_items(self):
        return [
            {"url": reverse("wagtailadmin_home"), "label": _("Tableau de bord")},
            {"url": reverse("importers_proposals"), "label": _("Sources proposées")},
            {"url": "", "label": self.get_page_title()},
        ]

    def dispatch(self, request, pk, *args, **kwargs):
        self.source = get_object_or_404(
            Source.objects.exclude(proposal_status=ProposalStatus.NONE).select_related(
                "partner", "proposed_by"
            ),
            pk=pk,
        )
        return super().dispatch(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        decision = request.POST.get("decision")
        if self.source.proposal_status != ProposalStatus.PENDING or decision not in (
            "enable",
            "decline",
        ):
            raise PermissionDenied
        partner_sources.review(self.source, request.user, accept=decision == "enable")
        if decision == "enable":
            messages.success(
                request,
                _("Source « %(name)s » activée : elle sera récoltée selon son calendrier.")
                % {"name": self.source.name},
            )
            return redirect("importers_source_runs", pk=self.source.pk)
        messages.success(
            request, _("Proposition « %(name)s » refusée.") % {"name": self.source.name}
        )
        return redirect("importers_proposals")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["source"] = self.source
        context["config_json"] = json.dumps(self.source.config, ensure_ascii=False, indent=2)
        context["pending"] = self.source.proposal_status == ProposalStatus.PENDING
        context.update(build_preview(self.source))
        return context


def admin_urls():
    return [
        path("collecte/propositions/", ProposalListView.as_view(), name="importers_proposals"),
        path("collecte/propositions/<int:pk>/", ProposalReviewView.as_view(), name="importers_proposal"),
    ]  # fmt: skip


def menu_item():
    return _PermissionMenuItem(
        gettext_lazy("Sources proposées"),
        reverse_lazy("importers_proposals"),
        icon_name="mail",
        order=150,
        check=can_manage,
    )
