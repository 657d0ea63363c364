"""Small oracles closed: a space's address reveals no private space, and replying to a
private comment answers like replying to a missing one (404)."""

import re

import pytest

from community.models import Comment, Space

from .factories import CommentFactory, DiscussionFactory, SpaceFactory, UserFactory
from .test_comments import old_member, post

pytestmark = pytest.mark.django_db


def test_space_addresses_reveal_no_private_space():
    private = SpaceFactory(name="Club secret", visibility=Space.Visibility.PRIVATE)
    assert re.fullmatch(r"club-secret-[0-9a-f]{6}", private.slug)
    # Someone else names a space alike: the same address as if the private one did not exist.
    assert SpaceFactory(name="Club secret").slug == "club-secret"
    # A taken public name gets a random suffix, not a count of namesakes.
    again = SpaceFactory(name="Club secret")
    assert re.fullmatch(r"club-secret-[0-9a-f]{6}", again.slug)
    assert len({private.slug, again.slug, "club-secret"}) == 3


def test_replying_to_a_private_comment_is_a_404(client, private_space, space_member, project):
    discussion = DiscussionFactory(space=private_space)
    secret = CommentFactory(discussion=discussion, author=space_member)
    client.force_login(old_member())
    before = Comment.objects.count()
    # Aimed at a public page the outsider may comment on, with a private parent: 404, the
    # same answer as for a comment that does not exist.
    assert post(client, project, "Réponse", parent=secret).status_code == 404
    missing = Comment(pk=secret.pk + 1000)
    assert post(client, project, "Réponse", parent=missing).status_code == 404
    assert Comment.objects.count() == before
    # A reply to a visible comment on the same page still works.
    public = CommentFactory(page=project, author=UserFactory())
    assert post(client, project, "Réponse", parent=public).status_code == 302
