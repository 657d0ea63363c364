"""Claims ("C'est mon projet"), the holder's front-end edit, its history, project news.

Every edit URL answers 403 to anyone who is neither an approved holder of that very page nor
an editor allowed to edit it in Wagtail — anonymous visitors included (no redirect that would
reveal or half-open the form).
"""

import logging

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST
from wagtail.images import get_image_model

from catalogue.models import ProjectPage
from catalogue.storage import StorageFull

from .. import holders, permissions
from ..holder_forms import ClaimForm, HolderEditForm, NewsForm
from ..models import ProjectNews

logger = logging.getLogger(__name__)

IMAGE_NOT_STORED = gettext_lazy(
    "L'image n'a pas pu être enregistrée (espace disque insuffisant sur le serveur) : rien n'a "
    "été modifié, l'image précédente est conservée. Réessayez plus tard."
)


def _project(page_id):
    return get_object_or_404(ProjectPage, pk=page_id)


def _editable_project(request, page_id):
    page = _project(page_id)
    if not holders.can_edit_project(request.user, page):
        raise PermissionDenied
    return page


@require_http_methods(["GET", "POST"])
def claim(request, page_id):
    page = _project(page_id)
    if not page.live:
        raise PermissionDenied
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if permissions.is_project_holder(request.user, page):
        messages.info(request, _("Vous êtes déjà porteur ou porteuse de ce projet."))
        return redirect(page.url)
    if not permissions.is_verified_member(request.user):
        return render(
            request, "community/holders/claim_unverified.html", {"page": page}, status=403
        )
    existing = holders.open_claim(request.user, page)
    email, domain = holders.matching_verified_email(request.user, page.website)
    form = ClaimForm(request.POST or None)
    if request.method == "POST" and existing is None and form.is_valid():
        try:
            holders.submit_claim(request.user, page, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _(
                    "Votre demande a été transmise à la rédaction. Vous serez prévenu·e de sa "
                    "décision par courriel et dans vos notifications."
                ),
            )
            return redirect(page.url)
    return render(
        request,
        "community/holders/claim_form.html",
        {
            "page": page,
            "form": form,
            "existing": existing,
            "matching_email": email,
            "website_domain": domain,
        },
    )


@require_http_methods(["GET", "POST"])
def edit(request, page_id):
    page = _editable_project(request, page_id)
    draft = page.get_latest_revision_as_object()
    form = HolderEditForm(
        request.POST or None, request.FILES or None, initial=HolderEditForm.initial_for(draft)
    )
    if request.method == "POST" and form.is_valid():
        changes = form.changes()
        before = page.latest_revision_id
        try:
            with transaction.atomic():
                upload = form.cleaned_data.get("image")
                if upload:
                    image = get_image_model()(
                        title=f"{page.title} — image fournie par le porteur"[:255],
                        file=upload,
                        uploaded_by_user=request.user,
                    )
                    image.save()
                    changes["image"] = image
                revision = holders.edit_project(request.user, page, changes)
        except StorageFull:
            logger.exception("Holder image of page %s not stored", page.pk)
            form.add_error("image", IMAGE_NOT_STORED)
            return _edit_form(request, page, draft, form, status=503)
        page.refresh_from_db()
        if revision is None or revision.pk == before:
            messages.info(request, _("Aucune modification à enregistrer."))
        elif page.live_revision_id == revision.pk:
            messages.success(request, _("Vos modifications sont publiées."))
        else:
            messages.success(
                request,
                _(
                    "Vos modifications sont enregistrées et transmises à la rédaction, qui les "
                    "relira avant publication."
                ),
            )
        return redirect("community:holder_history", page_id=page.pk)
    return _edit_form(request, page, draft, form)


def _edit_form(request, page, draft, form, *, status=200):
    return render(
        request,
        "community/holders/edit_form.html",
        {
            "page": page,
            "draft": draft,
            "form": form,
            "pending": page.workflow_in_progress,
            "publishes_immediately": holders.publishes_immediately(),
        },
        status=status,
    )


@require_http_methods(["GET"])
def history(request, page_id):
    page = _editable_project(request, page_id)
    return render(
        request,
        "community/holders/history.html",
        {
            "page": page,
            "rows": holders.revision_history(page),
            "pending": page.workflow_in_progress,
        },
    )


@require_http_methods(["GET", "POST"])
def news_post(request, page_id):
    page = _editable_project(request, page_id)
    form = NewsForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        news = holders.post_news(request.user, page, **form.cleaned_data)
        messages.success(request, _("Votre actualité est publiée."))
        return redirect(news.get_absolute_url())
    return render(request, "community/holders/news_form.html", {"page": page, "form": form})


@require_POST
def news_delete(request, page_id, pk):
    page = _editable_project(request, page_id)
    news = get_object_or_404(ProjectNews, pk=pk, project=page)
    holders.delete_news(request.user, news)
    messages.success(request, _("L'actualité a été supprimée."))
    return redirect(page.url)
