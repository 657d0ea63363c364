"""Community routes (accounts, spaces, comments, claims…).

allauth's routes stay un-namespaced (it reverses "account_login" etc.); the community's own
routes live in the "community" namespace, one list per area.
"""

from django.urls import include, path
from django.views.generic import RedirectView

from .urls_holders import urlpatterns as holder_patterns
from .views import accounts, comments, contact, spaces

account_patterns = [
    path("compte/", accounts.account_home, name="account"),
    path("compte/profil/", accounts.profile_edit, name="profile_edit"),
    path("compte/export/", accounts.export_data, name="export_data"),
    path("compte/supprimer/", accounts.delete_account, name="delete_account"),
    path("membres/<slug:slug>/", accounts.profile_detail, name="profile"),
    path("communes/suggestions/", accounts.commune_suggestions, name="commune_suggestions"),
]

space_patterns = [
    path("espaces/", spaces.space_list, name="space_list"),
    path("espaces/nouveau/", spaces.space_create, name="space_create"),
    path("espaces/<slug:slug>/", spaces.space_detail, name="space"),
    path("espaces/<slug:slug>/modifier/", spaces.space_edit, name="space_edit"),
    path("espaces/<slug:slug>/rejoindre/", spaces.space_join, name="space_join"),
    path("espaces/<slug:slug>/quitter/", spaces.space_leave, name="space_leave"),
    path("espaces/<slug:slug>/membres/", spaces.space_members, name="space_members"),
    path("espaces/<slug:slug>/demandes/", spaces.space_requests, name="space_requests"),
    path("espaces/<slug:slug>/invitations/", spaces.space_invitations, name="space_invitations"),
    path("espaces/<slug:slug>/projets/", spaces.space_projects, name="space_projects"),
    path("espaces/<slug:slug>/moderation/", spaces.space_moderation, name="space_moderation"),
    path(
        "espaces/<slug:slug>/discussions/nouvelle/",
        spaces.discussion_create,
        name="discussion_create",
    ),
    path(
        "espaces/<slug:slug>/discussions/<int:pk>/",
        spaces.discussion_detail,
        name="discussion",
    ),
    path(
        "espaces/<slug:slug>/discussions/<int:pk>/modifier/",
        spaces.discussion_edit,
        name="discussion_edit",
    ),
    path(
        "espaces/<slug:slug>/discussions/<int:pk>/options/",
        spaces.discussion_options,
        name="discussion_options",
    ),
    path("invitation/<str:token>/", spaces.invitation, name="invitation"),
]

contact_patterns = [
    path("projets/<int:page_id>/contacter/", contact.contact_holder, name="contact_holder"),
    path("compte/messages/", contact.inbox, name="inbox"),
    path("compte/messages/<int:pk>/", contact.conversation_detail, name="conversation"),
    path(
        "compte/messages/<int:pk>/signaler/<int:message_pk>/",
        contact.message_report,
        name="message_report",
    ),
]

comment_patterns = [
    path("commentaires/publier/", comments.comment_post, name="comment_post"),
    path("commentaires/<int:pk>/modifier/", comments.comment_edit, name="comment_edit"),
    path("commentaires/<int:pk>/supprimer/", comments.comment_delete, name="comment_delete"),
    path("commentaires/<int:pk>/signaler/", comments.comment_report, name="comment_report"),
    path("commentaires/<int:pk>/moderer/", comments.comment_moderate, name="comment_moderate"),
]

urlpatterns = [
    # The French login address announced to Wagtail (WAGTAIL_FRONTEND_LOGIN_URL).
    path(
        "comptes/connexion/",
        RedirectView.as_view(pattern_name="account_login", query_string=True),
    ),
    path("comptes/", include("allauth.urls")),
    path(
        "",
        include(
            (
                account_patterns
                + space_patterns
                + comment_patterns
                + holder_patterns
                + contact_patterns,
                "community",
            )
        ),
    ),
]
