"""The editors' queue of holders' claims in the Wagtail admin (`/admin/porteurs/`).

Pending claims first (those whose e-mail domain matches the project's website are flagged),
then recent decisions. Approve / reject / revoke are POST actions; only editors with the
`community.change_projectclaim` permission (Editors and Moderators groups) or superusers get in.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse, reverse_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView
from wagtail.admin.menu import MenuItem
from wagtail.admin.ui.components import Component
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from . import holders
from .models import ProjectClaim


class ClaimQueueView(WagtailAdminTemplateMixin, TemplateView):
    template_name = "community/admin/claim_queue.html"
    page_title = gettext_lazy("Porteurs de projets")
    header_icon = "user"
    breadcrumbs_items = [
        {"url": reverse_lazy("wagtailadmin_home"), "label": gettext_lazy("Tableau de bord")},
        {"url": "", "label": gettext_lazy("Porteurs de projets")},
    ]

    def dispatch(self, request, *args, **kwargs):
        if not holders.can_review_claims(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        claim = get_object_or_404(ProjectClaim, pk=request.POST.get("claim"))
        action = request.POST.get("action")
        note = request.POST.get("note", "")
        if action in ("approve", "reject"):
            holders.decide_claim(request.user, claim, approve=action == "approve", note=note)
            claim.refresh_from_db()
            if claim.status == ProjectClaim.Status.APPROVED:
                messages.success(
                    request,
                    _("%(member)s est désormais porteur ou porteuse de « %(project)s ».")
                    % {"member": _member(claim.user), "project": claim.project.title},
                )
            else:
                messages.success(
                    request,
                    _("La demande pour « %(project)s » est refusée ; le membre est prévenu.")
                    % {"project": claim.project.title},
                )
        elif action == "revoke":
            holders.revoke_claim(request.user, claim, note=note)
            messages.success(request, _("Le rôle de porteur a été retiré."))
        return redirect("community_claims_admin")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        base = ProjectClaim.objects.select_related("project", "user__profile", "decided_by")
        context["pending"] = list(base.pending().order_by("created_at"))
        context["approved"] = list(base.approved().order_by("-decided_at")[:100])
        context["decided"] = list(
            base.exclude(
                status__in=[ProjectClaim.Status.PENDING, ProjectClaim.Status.APPROVED]
            ).order_by("-decided_at")[:50]
        )
        return context


def _member(user):
    profile = getattr(user, "profile", None)
    return getattr(profile, "display_name", "") or user.get_username()


def admin_urls():
    return [path("porteurs/", ClaimQueueView.as_view(), name="community_claims_admin")]


class ClaimsMenuItem(MenuItem):
    def is_shown(self, request):
        return holders.can_review_claims(request.user)


def menu_item():
    return ClaimsMenuItem(
        gettext_lazy("Porteurs de projets"),
        reverse("community_claims_admin"),
        name="community-claims",
        icon_name="user",
        order=310,
    )


class PendingClaimsPanel(Component):
    """On the admin dashboard: how many claims wait for a decision."""

    name = "community_pending_claims"
    order = 90
    template_name = "community/admin/pending_claims_panel.html"

    def __init__(self, count):
        self.count = count

    def get_context_data(self, parent_context):
        return {"count": self.count, "queue_url": reverse("community_claims_admin")}


def homepage_panels(request, panels):
    if holders.can_review_claims(request.user):
        count = ProjectClaim.objects.pending().count()
        if count:
            panels.append(PendingClaimsPanel(count))
