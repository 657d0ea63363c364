"""The activity feed API: `record(actor, verb, target, space=None)`.

The model is `community.models.activity.Activity`. Other community modules (claims, project news,
follows) record their events here and notifications fan out from these entries; pass `space` for
anything that lives inside a space so that `Activity.objects.visible_to(user)` keeps private
spaces' entries away from non-members.
"""

from django.contrib.contenttypes.models import ContentType

from .models import Activity

Verb = Activity.Verb


def record(actor, verb, target, space=None):
    """Write one feed entry; returns it (None when there is no actor, e.g. anonymous)."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        return None
    if space is None:
        space = _space_of(target)
    return Activity.objects.create(
        actor=actor,
        verb=str(verb),
        target_type=ContentType.objects.get_for_model(target),
        target_id=target.pk,
        space=space,
    )


def _space_of(target):
    """The space a target lives in, so callers cannot forget it for private content."""
    from .models import Comment, Discussion, Space

    if isinstance(target, Space):
        return target
    if isinstance(target, Discussion):
        return target.space
    if isinstance(target, Comment) and target.discussion_id:
        return target.discussion.space
    return None


def feed_for_space(space, user, limit=20):
    """The latest entries of a space, visible to `user` (callers have checked membership)."""
    return (
        Activity.objects.visible_to(user)
        .filter(space=space)
        .select_related("actor__profile", "target_type")[:limit]
    )
