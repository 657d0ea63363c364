from django.apps import AppConfig


class CommunityConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "community"

    def ready(self):
        from . import signals

        signals.connect(self)

        from . import receivers

        receivers.connect(self)

        from . import territory_panels

        territory_panels.connect()
