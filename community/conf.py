"""Community tunables, each overridable by a Django setting of the same name."""

from datetime import timedelta

from django.conf import settings

DEFAULTS = {
    # Comments (and discussions) a member may post per window; stricter for new accounts.
    "COMMUNITY_COMMENT_RATE": (10, timedelta(minutes=10)),
    "COMMUNITY_NEW_ACCOUNT_COMMENT_RATE": (3, timedelta(minutes=10)),
    # An account is "new" for this long after sign-up.
    "COMMUNITY_NEW_ACCOUNT_AGE": timedelta(hours=24),
    # Links a new account may post in total during its first day.
    "COMMUNITY_NEW_ACCOUNT_MAX_LINKS": 1,
    # Authors may edit their comment for this long.
    "COMMUNITY_COMMENT_EDIT_WINDOW": timedelta(minutes=15),
    # Threads nest at most this many levels (top-level comments are level 1).
    "COMMUNITY_COMMENT_MAX_DEPTH": 3,
    "COMMUNITY_COMMENT_MAX_LENGTH": 5000,
    # Avatars: upload size, accepted dimensions and the size they are re-encoded to.
    "COMMUNITY_AVATAR_MAX_BYTES": 2 * 1024 * 1024,
    "COMMUNITY_AVATAR_MIN_SIDE": 32,
    "COMMUNITY_AVATAR_MAX_SIDE": 4000,
    "COMMUNITY_AVATAR_SIZE": 256,
    # "Près de chez moi" on the account page: projects, holders, spaces and members this close.
    "COMMUNITY_NEAR_RADIUS_KM": 30,
}


def get(name):
    return getattr(settings, name, DEFAULTS[name])
