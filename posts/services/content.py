"""What an author writes in a post, as one value: the submit form and the API serializer build a
`PostContent`, and every service that checks, previews, creates or updates a post takes it.

The link is normalized once, here, when the value is built; the rules, the duplicate check and
the stored row all use that one result (docs/posting.md lists the normalization rules).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from posts.models import Channel, Tag
from posts.urlnorm import domain_of, normalize_url


@dataclass(frozen=True)
class KeyFactData:
    """A key number: a value ("6.1", "40%") and what it means, in one line."""

    value: str
    description: str


@dataclass(frozen=True)
class TimelineEventData:
    """A timeline entry: a date, or a looser period in `when` ("Q3 2026"), and what happened."""

    description: str
    date: date | None = None
    when: str = ""


@dataclass(frozen=True)
class EntityData:
    """A key entity as typed: a name (an entity already on the site is matched by name in any
    letter case), its kind (used when the entity is new; see `Entity.Kind`) and its one-line
    role in this story."""

    name: str
    role: str
    kind: str = ""

    def __post_init__(self) -> None:
        # Frozen: what was typed is tidied once, here.
        object.__setattr__(self, "name", self.name.strip())
        object.__setattr__(self, "role", self.role.strip())
        object.__setattr__(self, "kind", self.kind.strip().lower())


@dataclass(frozen=True)
class PostContent:
    """A post's editable content. Build it with keyword arguments; sequences become tuples,
    the URL, title, lead and quote attribution are stripped and TL;DR lines without text are
    dropped.

    `normalized_url` and `domain` are derived on construction; `url_error` holds the message
    for a link that is not acceptable (the rules turn it into a field error)."""

    title: str
    url: str = ""
    lead: str = ""
    tags: tuple[Tag, ...] = ()
    channel: Channel | None = None
    tldr: tuple[str, ...] = ()
    body: str = ""
    quote: str = ""
    quote_source: str = ""
    quote_url: str = ""
    key_facts: tuple[KeyFactData, ...] = ()
    timeline: tuple[TimelineEventData, ...] = ()
    entities: tuple[EntityData, ...] = ()
    normalized_url: str = field(init=False, default="")
    domain: str = field(init=False, default="")
    url_error: str = field(init=False, default="")

    def __post_init__(self) -> None:
        # Frozen: derived values are set once, here, and never change afterwards.
        set_ = object.__setattr__
        set_(self, "title", self.title.strip())
        set_(self, "url", self.url.strip())
        set_(self, "lead", self.lead.strip())
        # The quote is Markdown like the body (leading spaces mean something); blank is none.
        set_(self, "quote", self.quote if self.quote.strip() else "")
        set_(self, "quote_source", self.quote_source.strip())
        set_(self, "quote_url", self.quote_url.strip())
        set_(self, "tags", tuple(self.tags))
        set_(self, "tldr", tuple(line.strip() for line in self.tldr if line.strip()))
        set_(self, "key_facts", tuple(self.key_facts))
        set_(self, "timeline", tuple(self.timeline))
        set_(self, "entities", tuple(self.entities))
        if self.url:
            try:
                set_(self, "normalized_url", normalize_url(self.url))
            except ValueError as exc:
                set_(self, "url_error", str(exc))
            else:
                set_(self, "domain", domain_of(self.url))

    @classmethod
    def of(
        cls,
        *,
        title: str,
        url: str = "",
        lead: str = "",
        tags: Iterable[Tag] = (),
        channel: Channel | None = None,
        tldr: Iterable[str] = (),
        body: str = "",
        quote: str = "",
        quote_source: str = "",
        quote_url: str = "",
        key_facts: Iterable[KeyFactData] = (),
        timeline: Iterable[TimelineEventData] = (),
        entities: Iterable[EntityData] = (),
    ) -> PostContent:
        """The same as the constructor, typed for any iterables (lists from forms and JSON)."""
        return cls(
            title=title,
            url=url,
            lead=lead,
            tags=tuple(tags),
            channel=channel,
            tldr=tuple(tldr),
            body=body,
            quote=quote,
            quote_source=quote_source,
            quote_url=quote_url,
            key_facts=tuple(key_facts),
            timeline=tuple(timeline),
            entities=tuple(entities),
        )
