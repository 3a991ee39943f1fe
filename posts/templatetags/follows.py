"""Template tags for follow buttons on pages whose views live outside posts (user profiles)."""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse

from accounts.models import User
from posts.selectors.directory import user_follow_state

register = template.Library()


@register.inclusion_tag("posts/_follow.html", takes_context=True)
def user_follow_button(context: dict[str, Any], profile_user: User) -> dict[str, Any]:
    """The follow button and follower count for `profile_user` (one query)."""
    request = context["request"]
    state = user_follow_state(user=profile_user, viewer=request.user)
    return {
        "request": request,
        "user": request.user,
        "csrf_token": context.get("csrf_token"),
        "action": reverse("posts:user_follow", kwargs={"key": profile_user.username}),
        "following": state.viewer_follows,
        "count": state.follower_count,
        "label": profile_user.username,
    }
