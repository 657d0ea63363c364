"""The test settings without the community app: the catalogue must render alone."""

from carrefour.settings.test import *  # noqa: F403
from carrefour.settings.test import INSTALLED_APPS

INSTALLED_APPS = [app for app in INSTALLED_APPS if app != "community"]
ROOT_URLCONF = "tests.catalogue.alone.urls"
# What community customised falls back on the libraries' own defaults.
del ACCOUNT_ADAPTER, ACCOUNT_FORMS, ACCOUNT_USER_DISPLAY, WAGTAILADMIN_USER_LOGIN_FORM  # noqa: F821
