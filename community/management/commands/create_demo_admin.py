"""Create (once) the demo administrator that `make run` announces in the README.

The site's own log-in form asks for an e-mail address (allauth, `ACCOUNT_LOGIN_METHODS`), the
Wagtail admin for the user name: the command makes sure both work and says how to use them.
"""

import os

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

DEMO_EMAIL = os.environ.get("DEMO_ADMIN_EMAIL", "admin@carrefour.local")
DEMO_USERNAME = os.environ.get("DEMO_ADMIN_USERNAME", "admin")
DEMO_PASSWORD = os.environ.get("DEMO_ADMIN_PASSWORD", "carrefour-demo")
DEMO_DISPLAY_NAME = "Équipe du Carrefour"


class Command(BaseCommand):
    help = (
        "Create the demo superuser (admin / admin@carrefour.local / carrefour-demo by default) "
        "if it does not exist, with a verified e-mail address for the site's log-in form."
    )

    def handle(self, *args, **options):
        from allauth.account.models import EmailAddress

        from community.services import ensure_profile

        User = get_user_model()
        user = User.objects.filter(username=DEMO_USERNAME).first()
        if user is None:
            user = User.objects.create_superuser(DEMO_USERNAME, DEMO_EMAIL, DEMO_PASSWORD)
            self.stdout.write("Demo admin created.")
        else:
            self.stdout.write("Demo admin already exists (its password is left as it is).")
        if not user.email:
            user.email = DEMO_EMAIL
            user.save(update_fields=["email"])
        # allauth refuses an unverified address ("mandatory" verification): verify it.
        EmailAddress.objects.filter(user=user, primary=True).exclude(email=user.email).update(
            primary=False
        )
        EmailAddress.objects.update_or_create(
            user=user, email=user.email, defaults={"verified": True, "primary": True}
        )
        profile = ensure_profile(user)
        if profile.display_name in ("", "Membre"):
            profile.display_name = DEMO_DISPLAY_NAME
            profile.save(update_fields=["display_name", "updated_at"])
        self.stdout.write(
            f"  Wagtail admin (/admin/): user name {user.get_username()}, password {DEMO_PASSWORD}\n"
            f"  Site log-in (/comptes/login/): e-mail {user.email}, password {DEMO_PASSWORD}"
        )
