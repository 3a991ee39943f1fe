"""The rules a submitted or edited post must pass, each refusing with `PostRejected`.

Shared by `post_submit` and `post_update` (posts/services/submission.py), so the HTML form and the
REST API refuse the same things with the same messages.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection
from django.db.models import Count, Max
from django.utils.timesince import timesince

from accounts.models import User
from core.text import duration_text, text_problem
from posts.models import (
    BODY_MAX_LENGTH,
    ENTITIES_MAX,
    ENTITY_NAME_MAX_LENGTH,
    ENTITY_ROLE_MAX_LENGTH,
    KEY_FACTS_MAX,
    LEAD_MAX_LENGTH,
    QUOTE_MAX_LENGTH,
    QUOTE_SOURCE_MAX_LENGTH,
    TAGS_MAX,
    TAGS_MIN,
    TIMELINE_EVENTS_MAX,
    TITLE_MAX_LENGTH,
    TITLE_MIN_LENGTH,
    TLDR_BULLET_MAX_LENGTH,
    TLDR_MAX_BULLETS,
    ChannelMembership,
    Entity,
    KeyFact,
    Post,
    TimelineEvent,
)
from posts.previews import link_host_problem
from posts.selectors.posts import duplicate_check
from posts.services.content import PostContent
from posts.services.entities import entities_existing, entity_name_key
from posts.services.errors import NON_FIELD, PostRejected
from posts.urlnorm import validate_public_url

_KEY_FACT_VALUE_MAX = KeyFact._meta.get_field("value").max_length or 40
_KEY_FACT_DESCRIPTION_MAX = KeyFact._meta.get_field("description").max_length or 200
_TIMELINE_WHEN_MAX = TimelineEvent._meta.get_field("when").max_length or 60
_TIMELINE_DESCRIPTION_MAX = TimelineEvent._meta.get_field("description").max_length or 300


def check_author(author: User) -> None:
    if author.is_suspended:
        # Refused like an unverified member (403 in the API): docs/moderation.md#bans.
        raise PostRejected({NON_FIELD: [author.suspension_notice]}, code="unverified")
    if not author.is_active or not author.is_verified:
        raise PostRejected(
            {NON_FIELD: ["Verify your email address before posting: follow the link we emailed."]},
            code="unverified",
        )


def check_rate_limits(*, author: User, now: datetime) -> None:
    """Refuse when the author is over a limit. Counts rows, so it holds across processes; the
    caller has locked the author's row, so two submissions of one author cannot both pass."""
    day = timedelta(days=1)
    recent = Post.objects.filter(author=author, created_at__gte=now - day).aggregate(
        count=Count("id"), latest=Max("created_at")
    )
    count, latest = recent["count"], recent["latest"]
    limit = settings.POST_DAILY_LIMIT
    if count >= limit:
        # The user may post again when enough of the day's posts have left the window.
        times = list(
            Post.objects.filter(author=author, created_at__gte=now - day)
            .order_by("created_at")
            .values_list("created_at", flat=True)[: count - limit + 1]
        )
        wait = (times[-1] + day - now).total_seconds()
        raise PostRejected(
            {
                NON_FIELD: [
                    f"You have reached the limit of {limit} posts a day. "
                    f"You can post again in {duration_text(wait)}."
                ]
            },
            code="rate_limited",
            retry_after=math.ceil(wait),
        )
    new_account = author.date_joined > now - timedelta(days=settings.POST_NEW_ACCOUNT_DAYS)
    interval = timedelta(seconds=settings.POST_NEW_ACCOUNT_INTERVAL_SECONDS)
    if new_account and latest is not None and latest > now - interval:
        wait = (latest + interval - now).total_seconds()
        every = duration_text(interval.total_seconds())
        raise PostRejected(
            {
                NON_FIELD: [
                    f"New accounts can post once every {every} "
                    f"during their first {settings.POST_NEW_ACCOUNT_DAYS} days. "
                    f"You can post again in {duration_text(wait)}."
                ]
            },
            code="rate_limited",
            retry_after=math.ceil(wait),
        )


def validate_content(*, author: User, content: PostContent) -> None:
    """Raise PostRejected with every broken content rule, by field."""
    errors: dict[str, list[str]] = {}

    def add(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    title, url, body, tags, channel = (
        content.title,
        content.url,
        content.body,
        content.tags,
        content.channel,
    )
    key_facts, timeline = content.key_facts, content.timeline
    # Control characters, lone surrogates, U+FFFE/U+FFFF: forms and the API refuse them per
    # field; checked again here so no caller can store what a feed or PostgreSQL cannot carry.
    texts = [
        ("title", title, False),
        ("url", url, False),
        ("lead", content.lead, False),
        ("body", body, True),
        ("quote", content.quote, True),
        ("quote_source", content.quote_source, False),
        ("quote_url", content.quote_url, False),
        *(("tldr", line, False) for line in content.tldr),
        *(("key_facts", text, False) for f in key_facts for text in (f.value, f.description)),
        *(("timeline", text, False) for e in timeline for text in (e.when, e.description)),
        *(("entities", text, False) for e in content.entities for text in (e.name, e.role)),
    ]
    for field, text, multiline in texts:
        problem = text_problem(text, multiline=multiline)
        if problem:
            add(field, problem)
    if not title:
        add("title", "Enter a title.")
    elif not TITLE_MIN_LENGTH <= len(title) <= TITLE_MAX_LENGTH:
        add("title", f"Use {TITLE_MIN_LENGTH} to {TITLE_MAX_LENGTH} characters for the title.")
    if len(content.lead) > LEAD_MAX_LENGTH:
        add("lead", f"Keep the lead to one sentence of at most {LEAD_MAX_LENGTH} characters.")
    if url:
        if content.url_error and "url" not in errors:
            add("url", content.url_error)
        elif "url" not in errors and (problem := _link_host_problem(url)):
            # The link preview would refuse to fetch it anyway; a link readers cannot follow
            # either is no news (docs/moderation.md#links-to-private-addresses).
            add(
                "url",
                f"Links to loopback, private or link-local addresses are refused: {problem}.",
            )
    elif not body.strip():
        add("body", "Add a link, or write the text of your post here.")
    if len(body) > BODY_MAX_LENGTH:
        add("body", f"The text is too long (at most {BODY_MAX_LENGTH} characters).")
    _check_quote(content, add, errors)
    if len({tag.pk for tag in tags}) != len(tags):
        add("tags", "Each tag can be chosen once.")
    if not TAGS_MIN <= len(tags) <= TAGS_MAX:
        add("tags", f"Choose {TAGS_MIN} to {TAGS_MAX} tags.")
    if channel is not None and not (
        ChannelMembership.objects.filter(channel=channel, user=author).exists()
    ):
        add("channel", f"You are not a member of @{channel.handle}.")
    bullets = content.tldr
    if len(bullets) > TLDR_MAX_BULLETS:
        add("tldr", f"Write at most {TLDR_MAX_BULLETS} TL;DR bullets.")
    if any(len(line) > TLDR_BULLET_MAX_LENGTH for line in bullets):
        add("tldr", f"Keep each TL;DR bullet to {TLDR_BULLET_MAX_LENGTH} characters.")
    if len(key_facts) > KEY_FACTS_MAX:
        add("key_facts", f"Add at most {KEY_FACTS_MAX} key numbers.")
    for fact in key_facts:
        if not fact.value.strip() or not fact.description.strip():
            add("key_facts", "Each key number needs a value and a description.")
        elif (
            len(fact.value) > _KEY_FACT_VALUE_MAX
            or len(fact.description) > _KEY_FACT_DESCRIPTION_MAX
        ):
            add(
                "key_facts",
                f"Keep key number values to {_KEY_FACT_VALUE_MAX} characters and descriptions "
                f"to {_KEY_FACT_DESCRIPTION_MAX}.",
            )
    if len(timeline) > TIMELINE_EVENTS_MAX:
        add("timeline", f"Add at most {TIMELINE_EVENTS_MAX} timeline entries.")
    for event in timeline:
        if not event.description.strip() or (event.date is None and not event.when.strip()):
            add("timeline", "Each timeline entry needs a date (or period) and a description.")
        elif (
            len(event.when) > _TIMELINE_WHEN_MAX
            or len(event.description) > _TIMELINE_DESCRIPTION_MAX
        ):
            add(
                "timeline",
                f"Keep timeline dates to {_TIMELINE_WHEN_MAX} characters and descriptions to "
                f"{_TIMELINE_DESCRIPTION_MAX}.",
            )
    _check_entities(content, add)
    if errors:
        raise PostRejected({field: list(dict.fromkeys(msgs)) for field, msgs in errors.items()})


def _check_quote(
    content: PostContent, add: Callable[[str, str], None], errors: dict[str, list[str]]
) -> None:
    """The quoted source: an excerpt always names where it was published, with an optional
    http(s) link; a source without an excerpt is refused rather than silently dropped."""
    if content.quote:
        if len(content.quote) > QUOTE_MAX_LENGTH:
            add("quote", f"The quote is too long (at most {QUOTE_MAX_LENGTH} characters).")
        if not content.quote_source:
            add("quote_source", "Say where the quote was published, e.g. lore.kernel.org.")
    elif content.quote_source or content.quote_url:
        add("quote", "Add the quoted text, or leave its source and link empty.")
    if len(content.quote_source) > QUOTE_SOURCE_MAX_LENGTH:
        add(
            "quote_source",
            f"Keep the source's name to {QUOTE_SOURCE_MAX_LENGTH} characters.",
        )
    if content.quote_url and "quote_url" not in errors:
        try:
            validate_public_url(content.quote_url)
        except ValueError as exc:
            add("quote_url", str(exc))


def _check_entities(content: PostContent, add: Callable[[str, str], None]) -> None:
    """Key entities: at most ENTITIES_MAX, each a name and a role within their lengths, each
    entity once (names are compared as the site matches them), and a known kind for a name the
    site does not have yet (an existing entity keeps its own kind)."""
    entities = content.entities
    if len(entities) > ENTITIES_MAX:
        add("entities", f"Add at most {ENTITIES_MAX} key entities.")
    kinds = set(Entity.Kind.values)
    for item in entities:
        if not item.name or not item.role:
            add("entities", "Each key entity needs a name and its role in the story.")
        elif len(item.name) > ENTITY_NAME_MAX_LENGTH or len(item.role) > ENTITY_ROLE_MAX_LENGTH:
            add(
                "entities",
                f"Keep entity names to {ENTITY_NAME_MAX_LENGTH} characters and roles to "
                f"{ENTITY_ROLE_MAX_LENGTH}.",
            )
        if item.kind and item.kind not in kinds:
            add("entities", f"An entity is one of: {', '.join(Entity.Kind.values)}.")
    names = [item.name for item in entities if item.name]
    keys = [entity_name_key(name) for name in names]
    if len(set(keys)) != len(keys):
        add("entities", "List each key entity once.")
    unnamed_kind = [item.name for item in entities if item.name and not item.kind]
    if unnamed_kind:
        known = entities_existing(names=unnamed_kind)
        for name in unnamed_kind:
            if entity_name_key(name) not in known:
                add(
                    "entities",
                    f"“{name}” is new here: say what it is "
                    f"({', '.join(label.lower() for label in Entity.Kind.labels)}).",
                )


def _link_host_problem(url: str) -> str | None:
    return link_host_problem(url, allow_loopback=settings.LINK_PREVIEW_ALLOW_LOOPBACK)


def _lock_url(normalized_url: str) -> None:
    """Serialize submissions of one link on PostgreSQL with a transaction-scoped advisory lock,
    so two users posting it at once cannot both pass the duplicate check. The embedded SQLite
    default, meant for one developer, goes without."""
    digest = hashlib.blake2b(normalized_url.encode(), digest_size=8).digest()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(%s)", [int.from_bytes(digest, "big", signed=True)]
        )


def check_duplicate(*, normalized_url: str, exclude: Post | None = None) -> None:
    if connection.vendor == "postgresql":
        _lock_url(normalized_url)
    check = duplicate_check(
        normalized_url=normalized_url,
        exclude_short_id=exclude.short_id if exclude is not None else None,
    )
    existing = check.existing
    if check.blocks and existing is not None and existing.published_at is not None:
        # timesince joins with non-breaking spaces; messages also go out as JSON, plain spaces.
        when = timesince(existing.published_at).replace("\xa0", " ")
        raise PostRejected(
            {"url": [f"This link was already posted {when} ago: “{existing.title}”."]},
            code="duplicate",
            duplicate_of=existing,
        )
