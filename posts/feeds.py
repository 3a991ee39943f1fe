"""RSS 2.0 and Atom feeds (django.contrib.syndication) for home, newest, tags, channels, users."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.http import HttpRequest
from django.template.defaultfilters import linebreaksbr
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed
from django.utils.html import escape, format_html_join

from accounts.models import User
from posts import selectors
from posts.models import Channel, Post, Tag

FEED_LENGTH = 30


class PostFeed(Feed):
    feed_type: type[Rss201rev2Feed] = Rss201rev2Feed
    order = "newest"
    title_suffix = "newest"
    link_name = "posts:newest"

    def title(self, obj: Any = None) -> str:
        return f"{settings.SITE_NAME}: {self.title_suffix}"

    def link(self, obj: Any = None) -> str:
        return reverse(self.link_name)

    def description(self, obj: Any = None) -> str:
        return f"The {self.title_suffix} posts on {settings.SITE_NAME}, a developer news feed."

    subtitle = description

    def filters(self, obj: Any) -> dict[str, Any]:
        return {}

    def items(self, obj: Any = None) -> list[Post]:
        return selectors.feed_items_for_syndication(
            order=self.order, limit=FEED_LENGTH, **self.filters(obj)
        )

    def item_title(self, item: Post) -> str:
        return item.title

    def item_description(self, item: Post) -> str:
        # Readers render this as HTML: TL;DR lines are escaped, the body was sanitized on save.
        bullets = format_html_join("", "<li>{}</li>", ((line,) for line in item.tldr))
        tldr = f"<p><strong>TL;DR</strong></p><ul>{bullets}</ul>" if item.tldr else ""
        source = (
            f'<p>Source: <a href="{escape(item.url)}">{escape(item.domain)}</a></p>'
            if item.url
            else ""
        )
        return tldr + (item.body_html or linebreaksbr(escape(item.body))) + source

    def item_link(self, item: Post) -> str:
        return item.get_absolute_url()

    def item_guid(self, item: Post) -> str:
        return f"{settings.SITE_URL}{item.get_absolute_url()}"

    item_guid_is_permalink = True

    def item_pubdate(self, item: Post) -> datetime | None:
        return item.published_at

    def item_updateddate(self, item: Post) -> datetime | None:
        return item.updated_at

    def item_author_name(self, item: Post) -> str:
        if item.channel_id:
            return f"@{item.channel.handle}"
        return item.author.username if item.author else "deleted user"

    def item_categories(self, item: Post) -> list[str]:
        return [tag.slug for tag in item.tags.all()]


class HomeFeed(PostFeed):
    order = "hot"
    title_suffix = "hot"
    link_name = "posts:home"


class NewestFeed(PostFeed):
    pass


class TagFeed(PostFeed):
    def get_object(self, request: HttpRequest, slug: str) -> Tag:  # type: ignore[override]
        return selectors.tag_get(slug=slug)

    def title(self, obj: Tag) -> str:  # type: ignore[override]
        return f"{settings.SITE_NAME}: #{obj.slug}"

    def link(self, obj: Tag) -> str:  # type: ignore[override]
        return obj.get_absolute_url()

    def description(self, obj: Tag) -> str:  # type: ignore[override]
        return obj.description or f"Posts tagged {obj.slug}."

    subtitle = description

    def filters(self, obj: Tag) -> dict[str, Any]:
        return {"tag": obj}


class ChannelFeed(PostFeed):
    def get_object(self, request: HttpRequest, handle: str) -> Channel:  # type: ignore[override]
        return selectors.channel_get(handle=handle)

    def title(self, obj: Channel) -> str:  # type: ignore[override]
        return f"{obj.name} (@{obj.handle})"

    def link(self, obj: Channel) -> str:  # type: ignore[override]
        return obj.get_absolute_url()

    def description(self, obj: Channel) -> str:  # type: ignore[override]
        return obj.description or f"Posts from @{obj.handle}."

    subtitle = description

    def filters(self, obj: Channel) -> dict[str, Any]:
        return {"channel": obj}


class UserFeed(PostFeed):
    def get_object(self, request: HttpRequest, username: str) -> User:  # type: ignore[override]
        return selectors.user_get_public(username=username)

    def title(self, obj: User) -> str:  # type: ignore[override]
        return f"{settings.SITE_NAME}: posts by {obj.username}"

    def link(self, obj: User) -> str:  # type: ignore[override]
        return obj.get_absolute_url()

    def description(self, obj: User) -> str:  # type: ignore[override]
        return f"Posts submitted by {obj.username}."

    subtitle = description

    def filters(self, obj: User) -> dict[str, Any]:
        return {"author": obj}


def atom(feed_class: type[PostFeed]) -> type[PostFeed]:
    """The Atom twin of an RSS feed class."""
    return type(f"Atom{feed_class.__name__}", (feed_class,), {"feed_type": Atom1Feed})
