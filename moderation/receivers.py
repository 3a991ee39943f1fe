"""Moderation's parts of what lower apps do and show, connected in apps.py (docs/moderation.md)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from accounts.models import User
from core.sections import PageSection
from moderation.selectors import member_standing


def standing_section(*, request: HttpRequest, profile_user: User, **kwargs: Any) -> PageSection:
    """A member's karma, posts, comments and whether the account is new, on their profile."""
    return PageSection(
        template="moderation/_standing.html",
        context={"standing": member_standing(user=profile_user)},
    )
