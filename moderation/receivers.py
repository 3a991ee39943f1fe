"""Moderation's parts of what lower apps do and show, connected in apps.py (docs/moderation.md)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from accounts.models import User
from core.sections import PageSection
from discussion.models import Comment
from moderation.selectors import account_is_new, member_standing
from moderation.services.actions import removal_log
from moderation.services.flags import flags_withdraw_all
from posts.models import Post


def standing_section(*, request: HttpRequest, profile_user: User, **kwargs: Any) -> PageSection:
    """A member's karma, posts, comments and whether the account is new, on their profile."""
    return PageSection(
        template="moderation/_standing.html",
        context={"standing": member_standing(user=profile_user)},
    )


def post_section(*, request: HttpRequest, post: Post, **kwargs: Any) -> PageSection:
    """The flag link under a post and, for moderators, its open flags, its hold, whether its
    author is new, and their actions. Costs no query: the counters are the post's own columns
    and its author is already joined."""
    author_is_new = post.author is not None and account_is_new(user=post.author)
    return PageSection(
        template="moderation/_post.html", context={"post": post, "author_is_new": author_is_new}
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
