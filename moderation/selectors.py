"""Reads for trust and moderation: a member's standing, their flags (docs/moderation.md)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from accounts.models import User
from discussion.models import Comment
from moderation.models import Flag
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


def flag_of(*, user: User, post: Post | None = None, comment: Comment | None = None) -> Flag | None:
    """`user`'s flag on the post or the comment, open or dismissed, or None."""
    if post is not None:
        return Flag.objects.filter(user=user, post=post).first()
    return Flag.objects.filter(user=user, comment=comment).first()


def can_flag(*, user: User) -> bool:
    """Whether the member's standing lets them flag at all (the services check the rest)."""
    return user.is_verified and user.karma >= settings.MODERATION_FLAG_MIN_KARMA
