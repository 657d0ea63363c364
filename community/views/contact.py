"""Writing to a project's holders, the member's messages, answering and reporting.

Every view checks its permission itself: anonymous visitors are sent to the log-in page, a
conversation answers 404 to anyone but its sender and the project's current holders, and a
project without a holder (or not public) cannot be written to. Sending and answering are
rate-limited per member through allauth's limiter in the shared cache (`ACCOUNT_RATE_LIMITS`,
actions ``contact_holder`` and ``contact_reply``).
"""

from allauth.core import ratelimit
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from catalogue.models import ProjectPage

from .. import contact, permissions
from ..models import ContactMessage, Conversation

TOO_MANY = gettext_lazy(
    "Vous avez envoyé beaucoup de messages en peu de temps : réessayez un peu plus tard."
)


class ContactForm(forms.Form):
    subject = forms.CharField(label=gettext_lazy("Objet"), max_length=contact.MAX_SUBJECT)
    body = forms.CharField(
        label=gettext_lazy("Votre message"),
        max_length=contact.MAX_BODY,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=gettext_lazy(
            "Votre adresse e-mail n'est pas transmise : la réponse vous parviendra sur le site "
            "et par notification."
        ),
    )


class ReplyForm(forms.Form):
    body = forms.CharField(
        label=gettext_lazy("Votre réponse"),
        max_length=contact.MAX_BODY,
        widget=forms.Textarea(attrs={"rows": 5}),
    )


def _public_project(page_id):
    page = get_object_or_404(ProjectPage, pk=page_id)
    if not contact.is_public_project(page):
        raise Http404
    return page


def _refuse(request, page):
    """The page shown instead of the form, or None when the member may write."""
    if not contact.contactable(page):
        return render(request, "community/contact/no_holder.html", {"page": page}, status=404)
    if permissions.is_project_holder(request.user, page):
        messages.info(request, _("Vous êtes porteur ou porteuse de ce projet."))
        return redirect("community:inbox")
    if not permissions.is_verified_member(request.user):
        return render(request, "community/contact/unverified.html", {"page": page}, status=403)
    return None


@require_http_methods(["GET", "POST"])
def contact_holder(request, page_id):
    page = _public_project(page_id)
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    refused = _refuse(request, page)
    if refused is not None:
        return refused
    form = ContactForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST" and form.is_valid():
        if not ratelimit.consume(request, action="contact_holder", user=request.user):
            form.add_error(None, TOO_MANY)
            status = 429
        else:
            try:
                conversation = contact.start(
                    request.user, page, form.cleaned_data["subject"], form.cleaned_data["body"]
                )
            except ValidationError as err:
                form.add_error(None, err)
            else:
                messages.success(
                    request,
                    _("Votre message a été transmis aux porteurs du projet."),
                )
                return redirect(conversation.get_absolute_url())
    return render(
        request, "community/contact/form.html", {"page": page, "form": form}, status=status
    )


@login_required
def inbox(request):
    conversations = list(contact.conversations_of(request.user)[:100])
    for conversation in conversations:
        conversation.i_am_sender = conversation.sender_id == request.user.pk
    return render(request, "community/contact/inbox.html", {"conversations": conversations})


def _conversation(request, pk):
    conversation = get_object_or_404(
        Conversation.objects.select_related("project", "sender__profile"), pk=pk
    )
    if not contact.is_participant(request.user, conversation):
        raise Http404
    return conversation


@login_required
@require_http_methods(["GET", "POST"])
def conversation_detail(request, pk):
    conversation = _conversation(request, pk)
    form = ReplyForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST" and form.is_valid():
        if not ratelimit.consume(request, action="contact_reply", user=request.user):
            form.add_error(None, TOO_MANY)
            status = 429
        else:
            try:
                contact.reply(request.user, conversation, form.cleaned_data["body"])
            except ValidationError as err:
                form.add_error(None, err)
            else:
                messages.success(request, _("Votre réponse a été envoyée."))
                return redirect(conversation.get_absolute_url())
    items = list(conversation.messages.select_related("author__profile"))
    for item in items:
        item.can_report = contact.can_report(request.user, item)
        item.mine = item.author_id == request.user.pk
    return render(
        request,
        "community/contact/conversation.html",
        {
            "conversation": conversation,
            "items": items,
            "form": form,
            "i_am_sender": conversation.sender_id == request.user.pk,
            "reasons_max": 500,
        },
        status=status,
    )


@login_required
@require_POST
def message_report(request, pk, message_pk):
    conversation = _conversation(request, pk)
    message = get_object_or_404(ContactMessage, pk=message_pk, conversation=conversation)
    try:
        contact.report(request.user, message, request.POST.get("reason", ""))
    except PermissionDenied:
        messages.error(request, _("Ce message ne peut pas être signalé."))
    else:
        messages.success(request, _("Merci : le message a été transmis à la modération."))
    return redirect(conversation.get_absolute_url())
