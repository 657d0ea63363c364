"""The partner's front-end screens: propose a source (with the admin's live preview), the
dashboard (sources, runs, records' health, corrections) and its record lists.

Every view goes through `partner_access.guarded`: anonymous → log-in, neither the partner's
role nor an editor → 404.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from catalogue.api.ratelimit import check as rate_check
from catalogue.models import ProjectPage

from . import partner_health, partner_sources
from .admin_preview import build_preview
from .partner_access import guarded, is_editor
from .partner_forms import ProposalForm


def _preview_or_refusal(request, form):
    """The preview of the typed configuration, or None with a form error once the member
    asked for too many (each preview fetches the partner's site)."""
    wait = rate_check(
        request,
        "partner-preview",
        settings.PARTNER_PREVIEW_RATE,
        key=f"user:{request.user.pk}",
    )
    if wait:
        form.add_error(
            None,
            _("Trop d'aperçus demandés : réessayez dans %(seconds)s secondes.") % {"seconds": wait},
        )
        return None
    return build_preview(form.draft())


@require_http_methods(["GET", "POST"])
@guarded
def propose(request, partner):
    form = ProposalForm(request.POST or None)
    preview = None
    status = 200
    if request.method == "POST" and form.is_valid():
        if request.POST.get("apercu"):
            preview = _preview_or_refusal(request, form)
            status = 429 if preview is None else 200
        else:
            source = partner_sources.propose(partner, request.user, form)
            messages.success(
                request,
                _(
                    "Source « %(name)s » proposée : la rédaction la vérifie puis l'active ; "
                    "ses collectes apparaîtront ici."
                )
                % {"name": source.name},
            )
            return redirect("partner_dashboard", slug=partner.slug)
    elif request.method == "POST":
        status = 400
    context = {"partner": partner, "form": form, "preview": preview}
    return render(request, "importers/partner/propose.html", context, status=status)


def _corrections(partner):
    rows = []
    for mark in partner_health.corrections(partner):
        try:
            label = ProjectPage._meta.get_field(mark.field_name).verbose_name
        except Exception:  # noqa: BLE001 - a field removed since: its name says enough
            label = mark.field_name
        rows.append({"mark": mark, "project": mark.project, "label": label})
    return rows


@require_GET
@guarded
def dashboard(request, partner):
    context = {
        "partner": partner,
        "sources": partner_health.source_rows(partner),
        "health": partner_health.health(partner),
        "states": partner_health.STATES,
        "corrections": _corrections(partner),
        "editor": is_editor(request.user),
    }
    return render(request, "importers/partner/dashboard.html", context)


@require_GET
@guarded
def record_list(request, partner, state):
    if state not in partner_health.STATES:
        raise Http404
    if state == "refusees":
        rows = partner_health.refused_errors(partner).order_by("run__source__name", "id")
    else:
        rows = partner_health.state_pages(partner, state).order_by("title", "pk")
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    context = {
        "partner": partner,
        "state": state,
        "title": partner_health.STATES[state],
        "page_obj": page,
        "refused": state == "refusees",
    }
    return render(request, "importers/partner/records.html", context)
