"""A source proposed by a partner: stored disabled, reviewed and enabled by an editor."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from .models import ProposalStatus, Source


def propose(partner, user, form) -> Source:
    """Store the proposal of a valid `ProposalForm` as a disabled source of `partner`."""
    data = form.cleaned_data
    return Source.objects.create(
        name=data["name"],
        partner=partner,
        kind=data["kind"],
        config=form.full_config(),
        licence=data.get("licence") or partner.data_licence or "",
        enabled=False,
        proposal_status=ProposalStatus.PENDING,
        proposed_by=user,
        proposed_at=timezone.now(),
    )


def pending():
    return Source.objects.filter(proposal_status=ProposalStatus.PENDING).select_related(
        "partner", "proposed_by"
    )


@transaction.atomic
def review(source: Source, editor, *, accept: bool) -> Source:
    """Enable (accept) or decline a pending proposal; returns the source."""
    source = Source.objects.select_for_update().get(pk=source.pk)
    source.proposal_status = ProposalStatus.ACCEPTED if accept else ProposalStatus.DECLINED
    source.enabled = accept
    source.reviewed_by = editor
    source.reviewed_at = timezone.now()
    source.save()
    return source
