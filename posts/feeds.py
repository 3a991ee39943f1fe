"""RSS 2.0 and Atom feeds (django.contrib.syndication) for home, newest, tags, channels, users,
key entities, source domains, a saved search, and a reader's private "My feed". Every text is
XML-safe (core/feeds.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.template.defaultfilters import linebreaksbr
from django.urls import reverse
from django.utils.feedgenerator import Rss201rev2Feed
from django.utils.html import escape, format_html, format_html_join
from django.utils.safestring import mark_safe

from accounts.models import User
from core.feeds import XmlSafeFeed
from posts import search
from posts.models import Channel, Entity, Post, Tag
from posts.selectors.directory import channel_get, tag_get, user_get_public
from posts.selectors.discovery import (
    feed_token_user,
    followed_items_for_syndication,
    search_items_for_syndication,
)
from posts.selectors.entities import entity_get, entity_items_for_syndication
from posts.selectors.feeds import domain_get, feed_items_for_syndication

FEED_LENGTH = 30


class PostFeed(XmlSafeFeed):
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
        return feed_items_for_syndication(order=self.order, limit=FEED_LENGTH, **self.filters(obj))

    def item_title(self, item: Post) -> str:
        return item.title

    def item_description(self, item: Post) -> str:
        # Readers render this as HTML: the lead and TL;DR lines are escaped, the body was
        # sanitized on save.
        lead = format_html("<p><em>{}</em></p>", item.lead) if item.lead else ""
        bullets = format_html_join("", "<li>{}</li>", ((line,) for line in item.tldr))
        tldr = f"<p><strong>TL;DR</strong></p><ul>{bullets}</ul>" if item.tldr else ""
        source = (
            f'<p>Source: <a href="{escape(item.url)}">{escape(item.domain)}</a></p>'
            if item.url
            else ""
        )
        quote = (
            format_html(
                '<blockquote cite="{}">{}</blockquote><p>— {}</p>',
                item.quote_url,
                mark_safe(item.quote_html),  # noqa: S308 - sanitized on save (core/markdown.py)
                item.quote_source,
            )
            if item.quote_html
            else ""
        )
        body = item.body_html or linebreaksbr(escape(item.body))
        return lead + tldr + body + quote + source

    def item_link(self, item: Post) -> str:
        return item.get_absolute_url()

    def item_extra_kwargs(self, item: Post) -> dict[str, Any]:
        # The JSON Feed twin's summary and external_url (RSS and Atom leave them out).
        return {"summary": item.lead, "external_url": item.url}

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
        return tag_get(slug=slug)

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
        return channel_get(handle=handle)

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
        return user_get_public(username=username)

    def title(self, obj: User) -> str:  # type: ignore[override]
        return f"{settings.SITE_NAME}: posts by {obj.username}"

    def link(self, obj: User) -> str:  # type: ignore[override]
        return obj.get_absolute_url()

    def description(self, obj: User) -> str:  # type: ignore[override]
        return f"Posts submitted by {obj.username}."

    subtitle = description

    def filters(self, obj: User) -> dict[str, Any]:
        return {"author": obj}


class DomainFeed(PostFeed):
    """`/feeds/d/<domain>.rss`: the newest posts that link to one source domain."""

    def get_object(self, request: HttpRequest, domain: str) -> str:  # type: ignore[override]
        return domain_get(domain=domain)

    def title(self, obj: str) -> str:  # type: ignore[override]
        return f"{settings.SITE_NAME}: {obj}"

    def link(self, obj: str) -> str:  # type: ignore[override]
        return reverse("posts:domain", kwargs={"domain": obj})

    def description(self, obj: str) -> str:  # type: ignore[override]
        return f"Posts that link to {obj}."

    subtitle = description

    def filters(self, obj: str) -> dict[str, Any]:
        return {"domain": obj}


class EntityFeed(PostFeed):
    """`/feeds/e/<slug>.rss`: the newest posts that involve a key entity."""

    def get_object(self, request: HttpRequest, slug: str) -> Entity:  # type: ignore[override]
        return entity_get(slug=slug)

    def title(self, obj: Entity) -> str:  # type: ignore[override]
        return f"{settings.SITE_NAME}: {obj.name}"

    def link(self, obj: Entity) -> str:  # type: ignore[override]
        return obj.get_absolute_url()

    def description(self, obj: Entity) -> str:  # type: ignore[override]
        return f"Posts that involve {obj.name} ({obj.get_kind_display().lower()})."

    subtitle = description

    def items(self, obj: Entity) -> list[Post]:  # type: ignore[override]
        return entity_items_for_syndication(entity=obj, limit=FEED_LENGTH)


class SearchFeed(PostFeed):
    """`/feeds/search.rss?q=...`: the newest posts matching a saved search."""

    def __call__(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            query = search.parse_query(request.GET.get("q", ""))
        except search.QueryTooLong as exc:
            return HttpResponseBadRequest(str(exc), content_type="text/plain; charset=utf-8")
        if query.is_empty:
            return HttpResponseBadRequest(
                "Add a search to the address: /feeds/search.rss?q=words",
                content_type="text/plain; charset=utf-8",
            )
        return super().__call__(request, *args, **kwargs)

    def get_object(self, request: HttpRequest) -> search.ParsedQuery:  # type: ignore[override]
        return search.parse_query(request.GET.get("q", ""))

    def title(self, obj: search.ParsedQuery) -> str:  # type: ignore[override]
        return f"{settings.SITE_NAME}: search “{obj.text}”"

    def link(self, obj: search.ParsedQuery) -> str:  # type: ignore[override]
        return f"{reverse('posts:search')}?{urlencode({'q': obj.text})}"

    def description(self, obj: search.ParsedQuery) -> str:  # type: ignore[override]
        return f"The newest posts on {settings.SITE_NAME} matching “{obj.text}”."

    subtitle = description

    def items(self, obj: search.ParsedQuery) -> list[Post]:  # type: ignore[override]
        return search_items_for_syndication(query=obj, limit=FEED_LENGTH)


class MyFeed(PostFeed):
    """`/feeds/my/<token>.rss`: a reader's My feed for feed readers, without a session. The
    token in the address is the credential; revoked or unknown answers 404."""

    def __call__(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = super().__call__(request, *args, **kwargs)
        response["Cache-Control"] = "private, max-age=300"
        response["X-Robots-Tag"] = "noindex"
        return response

    def get_object(self, request: HttpRequest, token: str) -> User:  # type: ignore[override]
        user = feed_token_user(secret=token)
        if user is None:
            raise Http404("No such feed.")
        return user

    def title(self, obj: User) -> str:  # type: ignore[override]
        return f"{settings.SITE_NAME}: My feed ({obj.username})"

    def link(self, obj: User) -> str:  # type: ignore[override]
        return reverse("posts:my_feed")

    def description(self, obj: User) -> str:  # type: ignore[override]
        return "Posts from the tags, channels, people and key entities you follow."

    subtitle = description

    def items(self, obj: User) -> list[Post]:  # type: ignore[override]
        return followed_items_for_syndication(user=obj, limit=FEED_LENGTH)
