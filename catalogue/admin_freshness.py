"""The editors' freshness queue in the Wagtail admin (`/admin/fraicheur/`).

Claimed pages whose holders left two reminders unanswered ("à vérifier") and archived pages,
each with its action: confirm it up to date (the editors' confirmation) or restore it. A page's
"Confirmer à jour" button (page listing, "Plus") opens the same view on that page. Every
action checks that the editor may publish the page.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse, reverse_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView
from wagtail.admin.menu import MenuItem
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from . import archive, confirmation
from .models import ProjectPage

QUEUE_LIMIT = 200


def can_publish(user, page) -> bool:
    return page.permissions_for_user(user).can_publish()


def can_review(user) -> bool:
    return bool(user.is_active and user.has_perm("wagtailadmin.access_admin"))


class FreshnessQueueView(WagtailAdminTemplateMixin, TemplateView):
    template_name = "catalogue/admin/freshness_queue.html"
    page_title = gettext_lazy("Fraîcheur des fiches")
    header_icon = "time"
    breadcrumbs_items = [
        {"url": reverse_lazy("wagtailadmin_home"), "label": gettext_lazy("Tableau de bord")},
        {"url": "", "label": gettext_lazy("Fraîcheur des fiches")},
    ]

    def dispatch(self, request, *args, **kwargs):
        if not can_review(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        page = get_object_or_404(ProjectPage, pk=request.POST.get("page"))
        if not can_publish(request.user, page):
            raise PermissionDenied
        action = request.POST.get("action")
        if action == "confirm":
            confirmation.confirm(page, confirmation.EDITOR, user=request.user)
            messages.success(
                request, _("« %(title)s » est confirmée à jour.") % {"title": page.title}
            )
        elif action == "restore":
            archive.restore(page, user=request.user)
            messages.success(
                request, _("« %(title)s » est restaurée et publiée.") % {"title": page.title}
            )
        return redirect("catalogue_freshness_admin")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        pages = ProjectPage.objects.order_by("title")
        context["to_verify"] = list(pages.live().filter(confirmation__to_verify=True)[:QUEUE_LIMIT])
        context["archived"] = list(
            pages.filter(live=False, confirmation__archived_at__isnull=False)
            .select_related("confirmation")
            .order_by("-confirmation__archived_at")[:QUEUE_LIMIT]
        )
        chosen = self.request.GET.get("page", "")
        context["chosen"] = (
            ProjectPage.objects.filter(pk=int(chosen)).first() if chosen.isdigit() else None
        )
        if context["chosen"] is not None:
            context["chosen_confirmed"] = confirmation.confirmation_of(context["chosen"])
        return context


def admin_urls():
    return [path("fraicheur/", FreshnessQueueView.as_view(), name="catalogue_freshness_admin")]


class FreshnessMenuItem(MenuItem):
    def is_shown(self, request):
        return can_review(request.user)


def menu_item():
    return FreshnessMenuItem(
        gettext_lazy("Fraîcheur des fiches"),
        reverse("catalogue_freshness_admin"),
        name="catalogue-freshness",
        icon_name="time",
        order=320,
    )


def listing_buttons(page, user, next_url=None, **kwargs):
    from wagtail.admin.widgets import Button

    if isinstance(page.specific_deferred, ProjectPage) and can_publish(user, page):
        yield Button(
            _("Confirmer à jour"),
            reverse("catalogue_freshness_admin") + f"?page={page.pk}",
            priority=60,
        )
