from django.apps import AppConfig


class ImportersConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "importers"

    def ready(self):
        from . import partner_access

        partner_access.connect(self)
