from django.apps import AppConfig
from django.db.models.signals import post_migrate, pre_migrate
from django.utils.translation import gettext_lazy as _


class CatalogueConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "catalogue"
    verbose_name = _("Catalogue")

    def ready(self):
        from .maps import signals as map_signals

        map_signals.connect()

        from .search import signals as search_signals

        search_signals.connect()

        from . import changes

        changes.connect()

        from . import archive

        archive.connect()

        from . import httpcache

        httpcache.connect()

        from . import background

        background.connect()

        # Before the migrations too: data migrations save models, whose signals write the
        # shared cache (page-cache versions) on a fresh database.
        pre_migrate.connect(create_cache_tables, sender=self)
        post_migrate.connect(create_cache_tables, sender=self)
        post_migrate.connect(ensure_errata_schedule, sender=self)

        # Every stored image is re-encoded, and Pillow refuses to decode image bombs anywhere.
        from django.db.models.signals import pre_save
        from PIL import Image
        from wagtail.images import get_image_model

        from .images import max_pixels, reencode_on_save

        Image.MAX_IMAGE_PIXELS = max_pixels()
        pre_save.connect(
            reencode_on_save, sender=get_image_model(), dispatch_uid="catalogue-reencode-images"
        )

        from django.db.backends.signals import connection_created

        from .collation import register_sqlite_fold

        connection_created.connect(register_sqlite_fold, dispatch_uid="carrefour_sqlite_fold")


def create_cache_tables(using="default", **kwargs):
    """`migrate` creates the database cache's table (the shared cache without Redis, see
    settings): `make run` and deployments need no separate `createcachetable` step."""
    from django.core.management import call_command

    call_command("createcachetable", database=using, verbosity=0)


def ensure_errata_schedule(using="default", **kwargs):
    """The partners' monthly digest of corrections (`catalogue.errata`), once per database."""
    from .errata import ensure_schedule

    ensure_schedule(using)
