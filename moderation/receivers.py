"""Moderation's parts of what lower apps do and show, connected in apps.py (docs/moderation.md)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from accounts.models import User
from core.sections import PageSection
from discussion.models import Comment
from moderation.selectors import account_is_new, member_standing, suggestions_pending
from moderation.services.actions import removal_log
from moderation.services.flags import flags_withdraw_all
from posts.models import Post


def standing_section(*, request: HttpRequest, profile_user: User, **kwargs: Any) -> PageSection:
    """A member's karma, posts, comments and whether the account is new, on their profile."""
    return PageSection(
        template="moderation/_standing.html",
        context={"standing": member_standing(user=profile_user)},
    )


def post_section(*, request: HttpRequest, post: Post, viewer: Any, **kwargs: Any) -> PageSection:
    """The flag and suggest links under a post; for its submitter and moderators, the edits
    members suggest (one query, for them only); for moderators, its open flags, its hold,
    whether its author is new, and their actions. Otherwise no query: the counters are the
    post's own columns and its author is already joined."""
    author_is_new = post.author is not None and account_is_new(user=post.author)
    sees_suggestions = post.is_published and (
        post.is_authored_by(viewer) or getattr(viewer, "is_staff", False)
    )
    return PageSection(
        template="moderation/_post.html",
        context={
            "post": post,
            "author_is_new": author_is_new,
            "suggestions": suggestions_pending(post=post) if sees_suggestions else [],
            "quorum": settings.MODERATION_SUGGESTION_QUORUM,
        },
    )


def account_deleting(*, user: User, **kwargs: Any) -> None:
    """An account is going: its open flags stop counting before its flag rows go with it."""
    flags_withdraw_all(user=user)


def post_removed(*, post: Post, moderator: User, reason: str, **kwargs: Any) -> None:
    """A moderator removed a post, wherever from: log it and settle its flags."""
    removal_log(moderator=moderator, reason=reason, post=post)


def comment_removed(*, comment: Comment, moderator: User, reason: str, **kwargs: Any) -> None:
    """A moderator removed a comment, wherever from: log it and settle its flags."""
    removal_log(moderator=moderator, reason=reason, comment=comment)
