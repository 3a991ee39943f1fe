"""Writes for posts, tags and channels. Every function is atomic: it saves everything or nothing."""

from __future__ import annotations

import secrets
import string
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.text import slugify

from accounts.models import User
from posts.markdown import render_markdown
from posts.models import Channel, KeyFact, Post, Tag, TimelineEvent, Vote
from posts.ranking import hotness
from posts.urlnorm import domain_of, normalize_url

SHORT_ID_ALPHABET = string.ascii_lowercase + string.digits
SHORT_ID_LENGTH = 6


@dataclass(frozen=True)
class KeyFactData:
    value: str
    description: str


@dataclass(frozen=True)
class TimelineEventData:
    description: str
    date: date | None = None
    when: str = ""


def short_id_generate() -> str:
    return "".join(secrets.choice(SHORT_ID_ALPHABET) for _ in range(SHORT_ID_LENGTH))


def post_slug(title: str) -> str:
    return slugify(title)[:80].strip("-") or "post"


def post_derive_fields(*, post: Post) -> None:
    """Fill the columns derived from what an editor typed: slug, short id, normalized URL,
    domain, kind, sanitized HTML and hotness. Does not save."""
    if not post.short_id:
        post.short_id = short_id_generate()
    post.slug = post_slug(post.title)
    post.kind = Post.Kind.LINK if post.url else Post.Kind.TEXT
    post.normalized_url = normalize_url(post.url) if post.url else ""
    post.domain = domain_of(post.url) if post.url else ""
    post.body_html = render_markdown(post.body) if post.body else ""
    if post.status == Post.Status.PUBLISHED and post.published_at is None:
        post.published_at = timezone.now()
    post.hotness = hotness(score=post.score, published_at=post.published_at)


@transaction.atomic
def post_create(
    *,
    author: User | None,
    title: str,
    url: str = "",
    tags: Iterable[Tag] = (),
    channel: Channel | None = None,
    tldr: Sequence[str] = (),
    body: str = "",
    key_facts: Sequence[KeyFactData] = (),
    timeline: Sequence[TimelineEventData] = (),
    published_at: datetime | None = None,
    status: str = Post.Status.PUBLISHED,
) -> Post:
    """Create a post with its key facts, timeline and tags, Markdown body rendered and sanitized.

    Callers validate input first (forms, serializers); this writes what it is given and leaves
    nothing behind if any row fails its database constraints.
    """
    if status == Post.Status.PUBLISHED and published_at is None:
        published_at = timezone.now()
    post = Post(
        author=author,
        channel=channel,
        kind=Post.Kind.LINK if url else Post.Kind.TEXT,
        title=title.strip(),
        slug=post_slug(title),
        url=url,
        normalized_url=normalize_url(url) if url else "",
        domain=domain_of(url) if url else "",
        tldr=[line.strip() for line in tldr if line.strip()],
        body=body,
        body_html=render_markdown(body) if body else "",
        status=status,
        published_at=published_at,
        score=0,
        hotness=hotness(score=0, published_at=published_at),
    )
    # 36^6 ids make a collision rare; the unique constraint still guards the race.
    for _ in range(5):
        post.short_id = short_id_generate()
        if not Post.objects.filter(short_id=post.short_id).exists():
            break
    post.save(force_insert=True)
    post.tags.set(list(tags))
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
    return post


def _post_rescore(*, post: Post, delta: int) -> None:
    """Apply a score change and recompute hotness in the caller's transaction."""
    Post.objects.filter(pk=post.pk).update(score=F("score") + delta)
    post.refresh_from_db(fields=["score", "published_at"])
    post.hotness = hotness(score=post.score, published_at=post.published_at)
    post.save(update_fields=["hotness"])


class VoteNotAllowed(Exception):
    """The user may not vote on this post (their own, or not published)."""


@transaction.atomic
def vote_cast(*, user: User, post: Post) -> bool:
    """Upvote `post` for `user`. Returns False if they had already voted (nothing changes).

    Score and hotness are updated in the same transaction, so feed pages never count votes.
    """
    if post.author_id == user.pk:
        raise VoteNotAllowed("You cannot vote on your own post.")
    if post.status != Post.Status.PUBLISHED:
        raise VoteNotAllowed("This post is not open for votes.")
    # Lock the post row so concurrent votes serialize their score updates.
    Post.objects.select_for_update().filter(pk=post.pk).first()
    try:
        with transaction.atomic():
            Vote.objects.create(user=user, post=post)
    except IntegrityError:
        return False
    _post_rescore(post=post, delta=1)
    return True


@transaction.atomic
def vote_remove(*, user: User, post: Post) -> bool:
    """Withdraw `user`'s vote. Returns False if there was none."""
    Post.objects.select_for_update().filter(pk=post.pk).first()
    deleted, _ = Vote.objects.filter(user=user, post=post).delete()
    if not deleted:
        return False
    _post_rescore(post=post, delta=-1)
    return True
