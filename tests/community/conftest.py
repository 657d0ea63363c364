"""Fixtures for the community tests (accounts, spaces, comments)."""

import pytest
from django.core.cache import cache

from catalogue import services as catalogue_services
from tests.catalogue.factories import (
    ArticlePageFactory,
    ProjectPageFactory,
    make_project,
    other_record,
)

from .factories import MembershipFactory, SpaceFactory, UserFactory


@pytest.fixture(autouse=True)
def _fresh_cache():
    """allauth's rate limits live in the cache: each test starts with a clean slate."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def site_tree(db):
    return catalogue_services.ensure_site_tree()


@pytest.fixture
def project(site_tree):
    return ProjectPageFactory(parent=site_tree.projects)


@pytest.fixture
def article(site_tree):
    return ArticlePageFactory(parent=site_tree.news)


@pytest.fixture
def member(db):
    return UserFactory()


@pytest.fixture
def other_member(db):
    return UserFactory()


@pytest.fixture
def moderator(db):
    return UserFactory()


@pytest.fixture
def editor(db):
    """A Wagtail editor (the editors' group, "Rédacteurs", with the community permissions)."""
    from django.contrib.auth.models import Group

    from catalogue.editorial_roles import EDITORS
    from community.signals import grant_editor_permissions

    user = UserFactory(is_staff=True)
    group, _ = Group.objects.get_or_create(name=EDITORS)
    from django.apps import apps

    grant_editor_permissions(apps.get_app_config("community"))
    user.groups.add(group)
    return user


@pytest.fixture
def public_space(moderator):
    return SpaceFactory(created_by=moderator, name="Alimentation durable en Bretagne")


@pytest.fixture
def private_space(moderator):
    return SpaceFactory(
        created_by=moderator, name="Collectif secret des épiceries", visibility="private"
    )


@pytest.fixture
def space_member(private_space, public_space):
    """A member of both spaces."""
    user = UserFactory()
    MembershipFactory(space=private_space, user=user)
    MembershipFactory(space=public_space, user=user)
    return user


# Claims, holders' edits, notifications and feeds: real harvested project pages.
@pytest.fixture
def ffe_project(site_tree):
    """A harvested project page (with provenance and a website) for claims and holder edits."""
    return make_project()


@pytest.fixture
def other_ffe_project(site_tree):
    return make_project(other_record())
