"""What every RSS/Atom feed of the site shares (django.contrib.syndication).

Every text goes out without the code points XML 1.0 cannot carry: forms and the API refuse them,
but rows written before that check, by an admin or by a script may hold them, and one such
character would make the feed unserializable for every reader (docs/search.md#public-feeds).
"""

from __future__ import annotations

from typing import Any, TypeVar

from django.contrib.syndication.views import Feed
from django.http import HttpRequest
from django.utils.feedgenerator import Atom1Feed, SyndicationFeed

from core.text import xml_safe

F = TypeVar("F", bound=type[Feed])


def _xml_safe(value: Any) -> Any:
    if isinstance(value, str):
        return xml_safe(value)
    if isinstance(value, list | tuple):
        return type(value)(_xml_safe(part) for part in value)
    return value


class XmlSafeFeed(Feed):
    """A feed whose every text is cleaned of what XML 1.0 cannot carry."""

    def get_feed(self, obj: Any, request: HttpRequest) -> SyndicationFeed:
        feed = super().get_feed(obj, request)
        feed.feed = {key: _xml_safe(value) for key, value in feed.feed.items()}
        feed.items = [{key: _xml_safe(value) for key, value in item.items()} for item in feed.items]
        return feed


def atom(feed_class: F) -> F:
    """The Atom twin of an RSS feed class."""
    return type(f"Atom{feed_class.__name__}", (feed_class,), {"feed_type": Atom1Feed})  # type: ignore[return-value]
