"""Routes of claims, holders' edits, project news, follows, notifications, saved searches and
search feeds; included by `community/urls.py` in the "community" namespace."""

from django.urls import path

from .feeds import ProjectSearchFeed
from .views import freshness, holders, notifications

holder_patterns = [
    path("projets/flux.atom", ProjectSearchFeed(), name="projects_feed"),
    path("projets/<int:page_id>/revendiquer/", holders.claim, name="claim"),
    path("projets/<int:page_id>/modifier/", holders.edit, name="holder_edit"),
    path("projets/<int:page_id>/historique/", holders.history, name="holder_history"),
    path("projets/<int:page_id>/a-jour/", freshness.confirm, name="confirm_fresh"),
    path("projets/a-jour/<str:token>/", freshness.confirm_link, name="confirm_link"),
    path("projets/<int:page_id>/actualites/publier/", holders.news_post, name="news_post"),
    path(
        "projets/<int:page_id>/actualites/<int:pk>/supprimer/",
        holders.news_delete,
        name="news_delete",
    ),
]

follow_patterns = [
    path("suivre/<str:kind>/<int:pk>/", notifications.follow_toggle, name="follow"),
    path("compte/abonnements/", notifications.follows, name="follows"),
    path("notifications/", notifications.notification_list, name="notifications"),
    path("notifications/<int:pk>/", notifications.notification_open, name="notification_open"),
    path(
        "notifications/tout-lire/",
        notifications.notifications_read_all,
        name="notifications_read_all",
    ),
    path(
        "notifications/preferences/",
        notifications.notification_settings,
        name="notification_settings",
    ),
    path(
        "notifications/desabonnement/<str:token>/",
        notifications.unsubscribe,
        name="unsubscribe",
    ),
    path("recherches/enregistrer/", notifications.search_save, name="search_save"),
    path("recherches/<int:pk>/supprimer/", notifications.search_delete, name="search_delete"),
    path("recherches/<int:pk>/alertes/", notifications.search_alerts, name="search_alerts"),
]

urlpatterns = holder_patterns + follow_patterns
