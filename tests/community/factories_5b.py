"""Factories and fixtures for claims, holder edits, follows, notifications and feeds.

Import the fixtures explicitly in a test module (`from tests.community.factories_5b import ...`).
"""

import pytest
from django.contrib.auth import get_user_model

from catalogue import services


def make_user(username, email=None, *, verified=True, **extra):
    """A member with a (verified) allauth email address."""
    from allauth.account.models import EmailAddress

    email = email or f"{username}@example.org"
    user = get_user_model().objects.create_user(username, email, "motdepasse-solide-42", **extra)
    EmailAddress.objects.create(user=user, email=email, verified=verified, primary=True)
    return user


@pytest.fixture
def site_tree(db):
    return services.ensure_site_tree()
