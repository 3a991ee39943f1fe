"""Reads for trust and moderation: a member's standing (docs/moderation.md)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from accounts.models import User
from discussion.models import Comment
from posts.models import Post


def account_is_new(*, user: User, now: datetime | None = None) -> bool:
    """True for an account younger than MODERATION_NEW_ACCOUNT_DAYS: marked "new" beside its
    name for moderators and on its profile."""
    now = now or timezone.now()
    return user.date_joined > now - timedelta(days=settings.MODERATION_NEW_ACCOUNT_DAYS)


@dataclass(frozen=True)
class MemberStanding:
    """What a profile says about a member's contributions."""

    karma: int
    post_count: int
    comment_count: int
    joined_at: datetime
    is_new: bool


def member_standing(*, user: User) -> MemberStanding:
    """Karma (stored), published posts and comments (two counts on the author indexes) and
    whether the account is new."""
    return MemberStanding(
        karma=user.karma,
        post_count=Post.objects.filter(author=user, status=Post.Status.PUBLISHED).count(),
        comment_count=Comment.objects.filter(author=user, status=Comment.Status.PUBLISHED).count(),
        joined_at=user.date_joined,
        is_new=account_is_new(user=user),
    )
