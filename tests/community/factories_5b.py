"""Factories and fixtures for claims, holder edits, follows, notifications and feeds.

Import the fixtures explicitly in a test module (`from tests.community.factories_5b import ...`).
"""

import pytest
from django.contrib.auth import get_user_model

from catalogue import services
from catalogue.records import ProjectRecord

PASSWORD = "motdepasse-solide-42"


def make_user(username, email=None, *, verified=True, **extra):
    """A member with a (verified) allauth email address."""
    from allauth.account.models import EmailAddress

    email = email or f"{username}@example.org"
    user = get_user_model().objects.create_user(username, email, PASSWORD, **extra)
    EmailAddress.objects.create(user=user, email=email, verified=verified, primary=True)
    return user


def make_editor(username="redaction"):
    """A Wagtail editor in the moderators' group (edits and publishes pages, reviews claims)."""
    from django.contrib.auth.models import Group

    from catalogue.editorial_roles import MODERATORS

    user = make_user(username, f"{username}@carrefour.example", is_staff=True)
    user.groups.add(Group.objects.get(name=MODERATORS))
    return user


def ffe_record(**overrides):
    """A real laureate record (ffe-laureates.csv): La Cravate Solidaire."""
    values = dict(
        title="La Cravate Solidaire",
        source_id="22ae7458-3f1e-52fe-9982-6b1287bf30d2",
        summary="Collecte de tenues professionnelles pour faciliter le retour à l'emploi.",
        description="La Cravate Solidaire collecte des tenues professionnelles.",
        website="https://lacravatesolidaire.org/",
        contact_phone="01 00 00 00 00",
        postal_code="75013",
        city="Paris 13e Arrondissement",
        insee_code="75113",
        latitude=48.830245,
        longitude=2.3646353,
        codes=["EMP"],
    )
    values.update(overrides)
    return ProjectRecord(**values)


def other_record(**overrides):
    """Another real laureate (ffe-laureates.csv): Lire et faire lire."""
    values = dict(
        title="Lire et faire lire",
        source_id="lire-et-faire-lire",
        summary="Des bénévoles de plus de 50 ans lisent des histoires aux enfants.",
        website="https://www.lireetfairelire.org/",
        postal_code="75013",
        city="Paris 13e Arrondissement",
        insee_code="75113",
        latitude=48.8282,
        longitude=2.3622,
        codes=["EDU"],
    )
    values.update(overrides)
    return ProjectRecord(**values)


def make_project(record=None, source_key="ffe"):
    return services.upsert_project(record or ffe_record(), source_key=source_key).page


def approve(holder, page, reviewer=None):
    """Claim and approve: `holder` becomes an approved holder of `page`."""
    from community import holders

    reviewer = reviewer or get_user_model().objects.filter(is_superuser=True).first()
    if reviewer is None:
        reviewer = get_user_model().objects.create_superuser(
            "super-relecteur", "super@carrefour.example", PASSWORD
        )
    claim = holders.submit_claim(holder, page, role="Présidente")
    return holders.decide_claim(reviewer, claim, approve=True)


# Fixtures (imported by tests/community/conftest.py; `site_tree` comes from there).
@pytest.fixture
def ffe_project(site_tree):
    """A harvested project page (with provenance and a website) for claims and holder edits."""
    return make_project()


@pytest.fixture
def other_ffe_project(site_tree):
    return make_project(other_record())
