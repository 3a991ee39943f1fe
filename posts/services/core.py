"""Post rows themselves: creation with every derived column, and URL re-normalization."""

from __future__ import annotations

import secrets
import string
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from accounts.models import User
from core.markdown import render_markdown
from posts.models import Entity, KeyFact, Post, PostEntity, Tag, TimelineEvent
from posts.ranking import hotness
from posts.services.content import EntityData, KeyFactData, PostContent, TimelineEventData
from posts.services.entities import post_entities_replace
from posts.services.search import post_search_index
from posts.urlnorm import domain_of, normalize_url

SHORT_ID_ALPHABET = string.ascii_lowercase + string.digits
SHORT_ID_LENGTH = 6


@dataclass(frozen=True)
class PostDraft:
    """A post as it would be published, built in memory and never saved (the form's Preview)."""

    post: Post
    tags: list[Tag]
    key_facts: list[KeyFact]
    timeline: list[TimelineEvent]
    # Unsaved rows whose entities are unsaved too: the preview shows names, kinds and roles.
    entities: list[PostEntity]


@dataclass
class RenormalizeCounts:
    checked: int = 0
    changed: int = 0
    invalid: list[int] = field(default_factory=list)

    @property
    def unchanged(self) -> int:
        return self.checked - self.changed - len(self.invalid)


def short_id_generate() -> str:
    return "".join(secrets.choice(SHORT_ID_ALPHABET) for _ in range(SHORT_ID_LENGTH))


def post_slug(title: str) -> str:
    return slugify(title)[:80].strip("-") or "post"


def post_derive_fields(*, post: Post, content: PostContent | None = None) -> None:
    """Fill the columns derived from what an editor typed: slug, short id, normalized URL,
    domain, kind, sanitized HTML (body and quote) and hotness. With `content` (whose URL
    `post.url` is), its normalized URL and domain are used rather than computed again. Does not
    save."""
    if not post.short_id:
        post.short_id = short_id_generate()
    post.slug = post_slug(post.title)
    post.kind = Post.Kind.LINK if post.url else Post.Kind.TEXT
    if content is not None and content.url == post.url:
        post.normalized_url, post.domain = content.normalized_url, content.domain
    else:
        post.normalized_url = normalize_url(post.url) if post.url else ""
        post.domain = domain_of(post.url) if post.url else ""
    post.body_html = render_markdown(post.body) if post.body else ""
    post.quote_html = render_markdown(post.quote) if post.quote else ""
    if post.status == Post.Status.PUBLISHED and post.published_at is None:
        post.published_at = timezone.now()
    post.hotness = hotness(
        score=post.score,
        published_at=post.published_at,
        comment_points=post.comment_points,
        flags=post.flag_count,
        merged=post.merged_score,
    )


def _post_build(
    *,
    author: User | None,
    content: PostContent,
    status: str,
    published_at: datetime | None,
) -> Post:
    """An unsaved post with its derived columns filled."""
    if status == Post.Status.PUBLISHED and published_at is None:
        published_at = timezone.now()
    post = Post(
        author=author,
        channel=content.channel,
        title=content.title,
        url=content.url,
        lead=content.lead,
        tldr=list(content.tldr),
        body=content.body,
        quote=content.quote,
        quote_source=content.quote_source,
        quote_url=content.quote_url,
        status=status,
        published_at=published_at,
        score=0,
    )
    post_derive_fields(post=post, content=content)
    return post


def post_draft_build(*, author: User | None, content: PostContent) -> PostDraft:
    """What `post_create` would store, in memory only: the submit form's Preview shows it.

    Uses the same derivation as `post_create`, so the preview's sanitized HTML, domain and slug
    are exactly what publishing would store. Saves nothing and runs no query.
    """
    post = _post_build(
        author=author, content=content, status=Post.Status.PUBLISHED, published_at=None
    )
    return PostDraft(
        post=post,
        tags=list(content.tags),
        key_facts=[KeyFact(value=f.value, description=f.description) for f in content.key_facts],
        timeline=[
            TimelineEvent(date=e.date, when=e.when, description=e.description)
            for e in content.timeline
        ],
        entities=[
            PostEntity(entity=Entity(name=e.name, kind=e.kind), role=e.role)
            for e in content.entities
        ],
    )


@transaction.atomic
def post_create(
    *,
    author: User | None,
    content: PostContent,
    published_at: datetime | None = None,
    status: str = Post.Status.PUBLISHED,
) -> Post:
    """Create a post with its key facts, timeline, key entities (existing ones matched by
    name, new ones created) and tags, Markdown body rendered and sanitized, and its search
    document (PostgreSQL) written.

    Callers validate input first (`post_submit`, forms, serializers); this writes what it is
    given and leaves nothing behind if any row fails its database constraints.
    """
    post = _post_build(author=author, content=content, status=status, published_at=published_at)
    # 36^6 ids make a collision rare; the unique constraint still guards the race.
    for _ in range(5):
        post.short_id = short_id_generate()
        if not Post.objects.filter(short_id=post.short_id).exists():
            break
    post.save(force_insert=True)
    post.tags.set(list(content.tags))
    _post_children_add(post=post, key_facts=content.key_facts, timeline=content.timeline)
    post_entities_replace(post=post, entities=content.entities)
    post_search_index(post=post)
    return post


def post_children_replace(
    *,
    post: Post,
    key_facts: Sequence[KeyFactData],
    timeline: Sequence[TimelineEventData],
    entities: Sequence[EntityData],
) -> None:
    """Replace the post's key facts, timeline and key entities with the given ones, in the
    given order.

    Runs inside the caller's transaction (post_update).
    """
    KeyFact.objects.filter(post=post).delete()
    TimelineEvent.objects.filter(post=post).delete()
    _post_children_add(post=post, key_facts=key_facts, timeline=timeline)
    post_entities_replace(post=post, entities=entities)


def _post_children_add(
    *,
    post: Post,
    key_facts: Sequence[KeyFactData],
    timeline: Sequence[TimelineEventData],
) -> None:
    KeyFact.objects.bulk_create(
        KeyFact(post=post, value=fact.value, description=fact.description, order=index)
        for index, fact in enumerate(key_facts)
    )
    TimelineEvent.objects.bulk_create(
        TimelineEvent(
            post=post,
            date=event.date,
            when=event.when,
            description=event.description,
            order=index,
        )
        for index, event in enumerate(timeline)
    )


def post_urls_renormalize(*, batch_size: int = 1000, dry_run: bool = False) -> RenormalizeCounts:
    """Recompute `normalized_url` and `domain` of every link post with the current rules.

    Works in batches of `batch_size` posts in id order, each batch in its own transaction, so a
    large table is never locked as a whole and an interrupted run can simply be started again.
    A stored URL the current rules reject is left as it is and its post id reported in
    `invalid`. With `dry_run` nothing is written; the counts say what would change.
    """
    counts = RenormalizeCounts()
    last_id = 0
    while True:
        batch = list(
            Post.objects.filter(id__gt=last_id)
            .exclude(url="")
            .order_by("id")
            .only("id", "url", "normalized_url", "domain")[:batch_size]
        )
        if not batch:
            return counts
        last_id = batch[-1].pk
        changed: list[Post] = []
        for post in batch:
            counts.checked += 1
            try:
                normalized, domain = normalize_url(post.url), domain_of(post.url)
            except ValueError:
                counts.invalid.append(post.pk)
                continue
            if (normalized, domain) != (post.normalized_url, post.domain):
                post.normalized_url, post.domain = normalized, domain
                changed.append(post)
        counts.changed += len(changed)
        if changed and not dry_run:
            with transaction.atomic():
                Post.objects.bulk_update(changed, ["normalized_url", "domain"])
