"""Moderation's parts of what lower apps do and show, connected in apps.py (docs/moderation.md)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from accounts.models import User
from core.sections import PageSection
from moderation.selectors import member_standing
from moderation.services.flags import flags_withdraw_all
from posts.models import Post


def standing_section(*, request: HttpRequest, profile_user: User, **kwargs: Any) -> PageSection:
    """A member's karma, posts, comments and whether the account is new, on their profile."""
    return PageSection(
        template="moderation/_standing.html",
        context={"standing": member_standing(user=profile_user)},
    )


def post_section(*, request: HttpRequest, post: Post, **kwargs: Any) -> PageSection:
    """The flag link under a post and, for moderators, its open flags and hold. Costs no query:
    the counters are the post's own columns."""
    return PageSection(template="moderation/_post.html", context={"post": post})


def account_deleting(*, user: User, **kwargs: Any) -> None:
    """An account is going: its open flags stop counting before its flag rows go with it."""
    flags_withdraw_all(user=user)
