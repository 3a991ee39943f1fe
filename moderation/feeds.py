"""The public moderation log as RSS and Atom (XML-safe, as every feed of the site:
core/feeds.py; docs/moderation.md#the-public-moderation-log)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils.feedgenerator import Rss201rev2Feed
from django.utils.html import escape

from core.feeds import XmlSafeFeed
from moderation.models import ModerationAction
from moderation.selectors import moderation_log

FEED_LENGTH = 30


def entry_title(entry: ModerationAction) -> str:
    """ "ada removed a post: “Buy cheap watches”": who did what to what, in words."""
    if entry.moderator is not None:
        who = entry.moderator.username
    elif entry.kind == ModerationAction.Kind.POST_SUGGESTION_APPLIED:
        who = settings.SITE_NAME
    else:
        who = "a moderator"
    if entry.post is not None:
        what = f": “{entry.post.title}”"
    elif entry.comment is not None:
        what = f" on “{entry.comment.post.title}”"
    elif entry.member is not None:
        what = f": {entry.member.username}"
    else:
        what = ""
    return f"{who} {entry.get_kind_display()}{what}"


def entry_link(entry: ModerationAction) -> str:
    """The item the entry is about (a removed one keeps its page, with the reason)."""
    if entry.post is not None:
        return entry.post.get_absolute_url()
    if entry.comment is not None:
        return entry.comment.get_absolute_url()
    if entry.member is not None:
        return entry.member.get_absolute_url()
    return reverse("moderation:log")


class ModerationLogFeed(XmlSafeFeed):
    """/moderations.rss: the latest moderator actions."""

    feed_type: type[Rss201rev2Feed] = Rss201rev2Feed

    def title(self, obj: Any = None) -> str:
        return f"{settings.SITE_NAME}: moderation log"

    def link(self, obj: Any = None) -> str:
        return reverse("moderation:log")

    def description(self, obj: Any = None) -> str:
        return f"Every moderator action on {settings.SITE_NAME}, with who, when and why."

    subtitle = description

    def items(self, obj: Any = None) -> list[ModerationAction]:
        return moderation_log(page_size=FEED_LENGTH).items

    def item_title(self, item: ModerationAction) -> str:
        return entry_title(item)

    def item_description(self, item: ModerationAction) -> str:
        reason = f"Reason: {escape(item.reason)}" if item.reason else "No reason given."
        parts = [f"<p>{reason}</p>"]
        if item.details:
            parts.append(f"<p>{escape(item.details)}</p>")
        return "".join(parts)

    def item_link(self, item: ModerationAction) -> str:
        return entry_link(item)

    def item_guid(self, item: ModerationAction) -> str:
        return f"{settings.SITE_URL}{reverse('moderation:log')}#action-{item.pk}"

    item_guid_is_permalink = False

    def item_pubdate(self, item: ModerationAction) -> datetime:
        return item.created_at

    def item_author_name(self, item: ModerationAction) -> str:
        return item.moderator.username if item.moderator else "a moderator"
