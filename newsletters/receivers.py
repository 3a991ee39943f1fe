"""The newsletters app's answers to signals of the apps below it (connected in apps.py)."""

from __future__ import annotations

from typing import Any

from django.forms import Form
from django.http import HttpRequest

from accounts.models import User
from core.sections import PageSection
from newsletters.forms import DigestPreferenceForm
from newsletters.selectors import digest_preference_get, newsletter_for_viewer, subscription_list
from posts.models import Post
from posts.selectors.core import Viewer
from posts.selectors.discovery import followed_tag_and_channel_ids


def digest_form_for(user: User) -> DigestPreferenceForm:
    """The digest form filled with the member's preference and what they follow."""
    preference = digest_preference_get(user=user)
    tag_ids, channel_ids = followed_tag_and_channel_ids(user=user)
    return DigestPreferenceForm(
        initial={
            "frequency": preference.frequency,
            "weekday": preference.weekday,
            "hour": preference.hour,
            "timezone": preference.timezone,
            "tags": tag_ids,
            "channels": channel_ids,
        }
    )


def settings_section(
    *, request: HttpRequest, user: User, bound: dict[str, Form], **kwargs: Any
) -> PageSection:
    """The digest and newsletter sections of the settings page."""
    return PageSection(
        template="newsletters/_settings.html",
        context={
            "digest_form": bound.get("digest_form") or digest_form_for(user),
            "subscriptions": subscription_list(user=user),
        },
    )


def post_aside(
    *, request: HttpRequest, post: Post, viewer: Viewer, **kwargs: Any
) -> PageSection | None:
    """The box beside a channel's post: subscribe to the channel's newsletter, or, once the
    member's address is subscribed, say so and where to manage it. None for other posts."""
    if post.channel is None:
        return None
    member = viewer if isinstance(viewer, User) and viewer.is_authenticated else None
    newsletter, subscribed = newsletter_for_viewer(channel=post.channel, user=member)
    return PageSection(
        template="newsletters/_post_aside.html",
        context={"channel": post.channel, "newsletter": newsletter, "subscribed": subscribed},
    )
