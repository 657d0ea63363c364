"""Community models, split by concern (one module per area; each owner adds import lines only).

- accounts.py: Profile (public member profile).
- spaces.py: Space, Membership, JoinRequest, Invitation, Discussion.
- activity.py: Activity (the feed entries written by `community.activity.record`).
- comments.py: Comment, CommentReport, ModerationAction.
"""

from .accounts import Profile  # noqa: F401
from .activity import Activity  # noqa: F401
from .claims import ProjectClaim, ProjectNews  # noqa: F401
from .comments import Comment, CommentReport, ModerationAction  # noqa: F401
from .contact import ContactMessage, Conversation  # noqa: F401
from .follows import Follow  # noqa: F401
from .notifications import Notification, NotificationSettings  # noqa: F401
from .saved_searches import SavedSearch  # noqa: F401
from .spaces import Discussion, Invitation, JoinRequest, Membership, Space  # noqa: F401
