"""Comment moderation and featured spaces in the Wagtail admin.

- `/admin/moderation/`: the editors' queue of member comments — reported (open reports first),
  hidden, and the log of decisions (who hid, restored or dismissed what, and when). Actions are
  POSTs through `services.moderate_comment`, so each one is written to `ModerationAction`.
- A "Espaces communautaires" snippet listing where editors feature (or un-feature) spaces.

Only editors (`community.change_comment`, given to the Editors and Moderators groups) or
superusers get in. Hooks are registered from `wagtail_hooks.py`.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse, reverse_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView
from wagtail.admin.menu import MenuItem
from wagtail.admin.panels import FieldPanel
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.snippets.views.snippets import SnippetViewSet

from . import contact, permissions, services
from .models import Comment, CommentReport, ContactMessage, ModerationAction, Space

TABS = {
    "signales": gettext_lazy("Signalés"),
    "masques": gettext_lazy("Masqués"),
    "messages": gettext_lazy("Messages aux porteurs"),
    "journal": gettext_lazy("Journal"),
}


class ModerationQueueView(WagtailAdminTemplateMixin, TemplateView):
    template_name = "community/admin/moderation_queue.html"
    page_title = gettext_lazy("Modération des commentaires")
    header_icon = "comment"
    breadcrumbs_items = [
        {"url": reverse_lazy("wagtailadmin_home"), "label": gettext_lazy("Tableau de bord")},
        {"url": "", "label": gettext_lazy("Modération des commentaires")},
    ]

    def dispatch(self, request, *args, **kwargs):
        if not permissions.is_editor(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        if request.POST.get("message"):
            return self.post_message(request)
        comment = get_object_or_404(Comment, pk=request.POST.get("comment"))
        action = request.POST.get("action")
        if action not in ModerationAction.Action.values:
            raise PermissionDenied
        try:
            services.moderate_comment(
                request.user, comment, action, via="admin", note=request.POST.get("note", "")
            )
        except ValidationError as err:
            messages.error(request, err.messages[0])
        else:
            messages.success(
                request,
                _("Commentaire n° %(pk)s : %(action)s.")
                % {"pk": comment.pk, "action": ModerationAction.Action(action).label.lower()},
            )
        tab = request.POST.get("tab", "signales")
        return redirect(f"{reverse('community_moderation_admin')}?onglet={tab}")

    def post_message(self, request):
        """A reported message between a member and holders: hide it, or dismiss the report."""
        message = get_object_or_404(ContactMessage, pk=request.POST.get("message"))
        action = request.POST.get("action", "")
        if action not in contact.MODERATION_ACTIONS:
            raise PermissionDenied
        contact.moderate(request.user, message, action)
        messages.success(
            request, _("Message n° %(pk)s : décision enregistrée.") % {"pk": message.pk}
        )
        return redirect(f"{reverse('community_moderation_admin')}?onglet=messages")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        tab = self.request.GET.get("onglet", "signales")
        if tab not in TABS:
            tab = "signales"
        base = Comment.objects.select_related("author__profile", "page", "discussion__space")
        open_reports = Count("reports", filter=Q(reports__status=CommentReport.Status.OPEN))
        reported = (
            base.annotate(open_reports=open_reports)
            .filter(open_reports__gt=0)
            .prefetch_related("reports__reporter__profile")
            .order_by("-open_reports", "created_at")
        )
        hidden = base.filter(status=Comment.Status.HIDDEN).annotate(open_reports=open_reports)
        context.update(
            {
                "tab": tab,
                "tabs": [(key, label) for key, label in TABS.items()],
                "reported_count": reported.count(),
                "hidden_count": hidden.count(),
            }
        )
        reported_messages = ContactMessage.objects.filter(
            status=ContactMessage.Status.REPORTED
        ).select_related("author__profile", "reported_by__profile", "conversation__project")
        context["messages_count"] = reported_messages.count()
        if tab == "messages":
            context["reported_messages"] = list(reported_messages.order_by("reported_at")[:100])
        elif tab == "signales":
            context["comments"] = list(reported[:100])
        elif tab == "masques":
            context["comments"] = list(hidden.order_by("-created_at")[:100])
        else:
            context["log"] = list(
                ModerationAction.objects.select_related(
                    "moderator__profile", "comment__page", "comment__discussion__space"
                )[:200]
            )
        return context


def admin_urls():
    return [path("moderation/", ModerationQueueView.as_view(), name="community_moderation_admin")]


class ModerationMenuItem(MenuItem):
    def is_shown(self, request):
        return permissions.is_editor(request.user)


def menu_item():
    return ModerationMenuItem(
        _("Modération"),
        reverse("community_moderation_admin"),
        icon_name="comment",
        order=250,
        name="community-moderation",
    )


class SpaceViewSet(SnippetViewSet):
    """Editors feature spaces; the rest of a space belongs to its moderators."""

    model = Space
    icon = "group"
    menu_label = gettext_lazy("Espaces communautaires")
    menu_name = "community-spaces"
    menu_order = 260
    add_to_admin_menu = True
    list_display = ["name", "visibility", "featured", "created_at"]
    list_filter = ["visibility", "featured"]
    search_fields = ["name", "description"]
    search_backend_name = None
    panels = [FieldPanel("featured"), FieldPanel("name"), FieldPanel("description")]
