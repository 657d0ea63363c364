"""A holder says their page is up to date: the page's button (signed in), or the link of the
yearly reminder (no log-in: the signed token names the holder and the page)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from catalogue.models import ProjectPage

from .. import freshness


@require_POST
def confirm(request, page_id):
    page = get_object_or_404(ProjectPage, pk=page_id)
    if not page.live or not request.user.is_authenticated:
        raise PermissionDenied
    freshness.confirm(request.user, page)  # checks that the member holds this page
    messages.success(request, _("Merci : la fiche est confirmée à jour."))
    return redirect(page.url)


@csrf_exempt
@require_http_methods(["GET", "POST"])
def confirm_link(request, token):
    """GET shows the button (link scanners prefetch GETs and must confirm nothing); POST
    confirms. The signed token stands for the holder, so no CSRF token is needed: a forged
    POST could only confirm what the holder was asked to confirm."""
    data = freshness.read_link_token(token)
    if data is None:
        return render(request, "community/holders/confirm_link.html", {"invalid": True}, status=400)
    if request.method == "POST":
        outcome, page = freshness.confirm_by_link(data)
        if outcome == "forbidden":
            return render(
                request, "community/holders/confirm_link.html", {"invalid": True}, status=403
            )
        return render(
            request, "community/holders/confirm_link.html", {"done": outcome, "page": page}
        )
    page = ProjectPage.objects.live().filter(pk=data["p"]).first()
    if page is None:
        return render(request, "community/holders/confirm_link.html", {"invalid": True}, status=400)
    return render(request, "community/holders/confirm_link.html", {"page": page, "token": token})
