"""What every RSS/Atom feed of the site shares (django.contrib.syndication), and the JSON Feed
1.1 twin of each (https://jsonfeed.org/version/1.1, docs/pages.md#json-feed).

Every text goes out without the code points XML 1.0 cannot carry: forms and the API refuse them,
but rows written before that check, by an admin or by a script may hold them, and one such
character would make the feed unserializable for every reader (docs/search.md#public-feeds).
"""

from __future__ import annotations

import json
from typing import Any, TypeVar

from django.contrib.syndication.views import Feed
from django.http import HttpRequest, HttpResponse
from django.utils.feedgenerator import Atom1Feed, SyndicationFeed, rfc3339_date

from core.text import xml_safe

F = TypeVar("F", bound=type[Feed])


def _xml_safe(value: Any) -> Any:
    if isinstance(value, str):
        return xml_safe(value)
    if isinstance(value, list | tuple):
        return type(value)(_xml_safe(part) for part in value)
    return value


class XmlSafeFeed(Feed):
    """A feed whose every text is cleaned of what XML 1.0 cannot carry, sent as one piece."""

    def __call__(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = super().__call__(request, *args, **kwargs)
        # The feed generator writes element by element: over a thousand chunks for 30 items,
        # each a separate socket write for the server, from the page cache too. Joined once
        # here (docs/performance.md#round-two-issue-17-change-by-change).
        response.content = response.content
        return response

    def get_feed(self, obj: Any, request: HttpRequest) -> SyndicationFeed:
        feed = super().get_feed(obj, request)
        feed.feed = {key: _xml_safe(value) for key, value in feed.feed.items()}
        feed.items = [{key: _xml_safe(value) for key, value in item.items()} for item in feed.items]
        return feed


JSON_FEED_VERSION = "https://jsonfeed.org/version/1.1"


class JsonFeed(SyndicationFeed):
    """JSON Feed 1.1 from the same feed and items as RSS and Atom.

    Each item's `description` (HTML) is its `content_html`; `summary` and `external_url` come
    from a feed class's `item_extra_kwargs` when it gives them (posts: the lead and the linked
    page). Empty members are left out, as the specification asks."""

    content_type = "application/feed+json; charset=utf-8"

    def write(self, outfile: Any, encoding: str) -> None:
        outfile.write(json.dumps(self.document(), ensure_ascii=False))

    def document(self) -> dict[str, Any]:
        feed = self.feed
        author = _compact({"name": feed.get("author_name"), "url": feed.get("author_link")})
        return _compact(
            {
                "version": JSON_FEED_VERSION,
                "title": feed["title"],
                "home_page_url": feed.get("link"),
                "feed_url": feed.get("feed_url"),
                "description": feed.get("description") or feed.get("subtitle"),
                "language": feed.get("language"),
                "authors": [author] if author else None,
                "items": [self._item(item) for item in self.items],
            },
            keep=("items",),
        )

    def _item(self, item: dict[str, Any]) -> dict[str, Any]:
        author = _compact({"name": item.get("author_name"), "url": item.get("author_link")})
        published, updated = item.get("pubdate"), item.get("updateddate")
        return _compact(
            {
                "id": str(item.get("unique_id") or item["link"]),
                "url": item.get("link"),
                "external_url": item.get("external_url"),
                "title": item.get("title"),
                # The specification requires content_html or content_text: an empty item still
                # says so.
                "content_html": item.get("content") or item.get("description") or "",
                "summary": item.get("summary"),
                "date_published": rfc3339_date(published) if published else None,
                "date_modified": rfc3339_date(updated) if updated else None,
                "authors": [author] if author else None,
                "tags": list(item.get("categories") or ()) or None,
            },
            keep=("id", "content_html"),
        )


def _compact(members: dict[str, Any], keep: tuple[str, ...] = ()) -> dict[str, Any]:
    return {key: value for key, value in members.items() if key in keep or value}


def json_feed(feed_class: F) -> F:
    """The JSON Feed twin of an RSS feed class."""
    return type(f"Json{feed_class.__name__}", (feed_class,), {"feed_type": JsonFeed})  # type: ignore[return-value]


def atom(feed_class: F) -> F:
    """The Atom twin of an RSS feed class."""
    return type(f"Atom{feed_class.__name__}", (feed_class,), {"feed_type": Atom1Feed})  # type: ignore[return-value]
