"""Create (once) the demo administrator that `make run` announces in the README."""

import os

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

DEMO_EMAIL = os.environ.get("DEMO_ADMIN_EMAIL", "admin@carrefour.local")
DEMO_USERNAME = os.environ.get("DEMO_ADMIN_USERNAME", "admin")
DEMO_PASSWORD = os.environ.get("DEMO_ADMIN_PASSWORD", "carrefour-demo")


class Command(BaseCommand):
    help = "Create the demo superuser (admin / carrefour-demo by default) if it does not exist."

    def handle(self, *args, **options):
        User = get_user_model()
        user = User.objects.filter(username=DEMO_USERNAME).first()
        if user is None:
            user = User.objects.create_superuser(DEMO_USERNAME, DEMO_EMAIL, DEMO_PASSWORD)
            self.stdout.write(f"Demo admin created: {DEMO_USERNAME} / {DEMO_PASSWORD}")
        else:
            self.stdout.write(f"Demo admin already exists: {DEMO_USERNAME}")
        try:
            from allauth.account.models import EmailAddress

            EmailAddress.objects.update_or_create(
                user=user,
                email=user.email or DEMO_EMAIL,
                defaults={"verified": True, "primary": True},
            )
        except Exception:  # noqa: BLE001 - allauth tables absent is not fatal for the demo
            pass
