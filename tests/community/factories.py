"""Factories for members, editors, approved holders, spaces, discussions and comments."""

import factory
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model

from community.models import Comment, Discussion, Membership, Space

PASSWORD = "motdepasse-solide-42"


class UserFactory(factory.django.DjangoModelFactory):
    """A member with a verified primary email (pass verified=False for an unverified one)."""

    username = factory.Sequence(lambda n: f"membre{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@exemple.org")

    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return model_class.objects.create_user(*args, password=PASSWORD, **kwargs)

    @factory.post_generation
    def verified(user, create, extracted, **kwargs):
        if create:
            EmailAddress.objects.create(
                user=user, email=user.email, verified=extracted is not False, primary=True
            )

    @factory.post_generation
    def display_name(user, create, extracted, **kwargs):
        if create:
            user.profile.display_name = extracted or f"Camille {user.username}"
            user.profile.save()


class SpaceFactory(factory.django.DjangoModelFactory):
    name = factory.Sequence(lambda n: f"Tiers-lieux du Morvan {n}")
    description = "Un espace pour les tiers-lieux ruraux."
    created_by = factory.SubFactory(UserFactory)

    class Meta:
        model = Space
        skip_postgeneration_save = True

    @factory.post_generation
    def moderator(space, create, extracted, **kwargs):
        """The creator moderates the space, like `services.create_space`."""
        if create and space.created_by:
            Membership.objects.get_or_create(
                space=space, user=space.created_by, defaults={"role": Membership.Role.MODERATOR}
            )


class MembershipFactory(factory.django.DjangoModelFactory):
    space = factory.SubFactory(SpaceFactory)
    user = factory.SubFactory(UserFactory)

    class Meta:
        model = Membership


class DiscussionFactory(factory.django.DjangoModelFactory):
    space = factory.SubFactory(SpaceFactory)
    author = factory.LazyAttribute(lambda d: d.space.created_by)
    title = factory.Sequence(lambda n: f"Mutualiser un véhicule {n}")
    body = "Qui serait partant pour partager une camionnette entre associations ?"

    class Meta:
        model = Discussion


class CommentFactory(factory.django.DjangoModelFactory):
    author = factory.SubFactory(UserFactory)
    body = "Bravo pour ce projet, très inspirant."

    class Meta:
        model = Comment


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
