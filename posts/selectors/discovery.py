"""Finding and following: search, "My feed" and its private feed, a user's follows, hidden
tags and feed token."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db.models import Exists, F, FloatField, OuterRef, Q, QuerySet
from django.db.models.functions import Cast
from django.utils import timezone

from accounts.models import User
from core.pagination import KeysetPage, Ordering, keyset_paginate
from core.text import excerpt
from posts import search
from posts.models import FeedToken, Follow, HiddenPost, HiddenTag, Post, PostEntity
from posts.search import ParsedQuery
from posts.selectors.core import ORDERINGS, TOP_PERIODS, Viewer, _PostTag, posts_for_viewer
from posts.selectors.feeds import _syndication_rows

# --- Search ---------------------------------------------------------------------------------

SEARCH_ORDERINGS: dict[str, Ordering] = {
    "relevance": Ordering("search_rank", float),
    "newest": ORDERINGS["newest"],
    "hot": ORDERINGS["hot"],
    "top": ORDERINGS["top"],
    "active": ORDERINGS["active"],
}


def search_effective_order(*, query: ParsedQuery, order: str) -> str:
    """The order a search really uses: relevance needs words and PostgreSQL, else newest."""
    if order == "relevance" and not (query.has_text and search.is_postgres()):
        return "newest"
    return order


def post_search(
    *,
    viewer: Viewer,
    query: ParsedQuery,
    order: str = "relevance",
    period: str = "all",
    after: str | None = None,
    page_size: int = 25,
    queryset: QuerySet[Post] | None = None,
) -> KeysetPage[Post]:
    """One page of posts matching `query` (see posts/search.py), for this viewer (their hidden
    posts and tags left out), by relevance or newest, keyset-paginated.

    Each post carries `search_title` and `search_snippet`: escaped HTML in which only the
    matched words are wrapped in <mark>. On PostgreSQL they come from ts_headline in the same
    query, so a page costs the posts query plus the tags prefetch at any size. `period` (day,
    week, month, all) keeps recent posts only; `queryset` narrows further (the API's filters).
    Raises InvalidCursor and KeyError (unknown order or period).
    """
    order = search_effective_order(query=query, order=order)
    ordering = SEARCH_ORDERINGS[order]
    base = queryset if queryset is not None else Post.objects.all()
    if order == "active":
        base = base.filter(last_commented_at__isnull=False)
    span = TOP_PERIODS[period]
    if span is not None:
        base = base.filter(published_at__gte=timezone.now() - span)
    qs = posts_for_viewer(viewer=viewer, queryset=search.search_filter(base, query))
    if order == "relevance":
        # Rank only the newest POST_SEARCH_RANK_WINDOW matches: ts_rank reads every match's
        # document, so a common word would rank a third of the site per page. The newest
        # matches come from walking post_newest_idx (docs/search.md#relevance).
        window = qs.order_by("-published_at", "-id").values("pk")[
            : settings.POST_SEARCH_RANK_WINDOW
        ]
        qs = qs.filter(pk__in=window)
    highlighter: search.Highlighter | None = None
    if query.has_text and search.is_postgres():
        from django.contrib.postgres.search import SearchRank

        highlighter = search.Highlighter()
        # Cast to double precision: a `real` rank would reach the cursor as a rounded decimal and
        # no longer compare equal to itself on the next page.
        rank = Cast(SearchRank(F("search_vector"), search.search_query(query)), FloatField())
        qs = qs.annotate(
            search_rank=rank,
            **highlighter.annotations(query),
        )
    page = keyset_paginate(qs, ordering=ordering, after=after, page_size=page_size)
    for post in page.items:
        if highlighter is not None:
            post.search_title = highlighter.render(post.search_title_raw)  # type: ignore[attr-defined]
            post.search_snippet = highlighter.render_snippet(  # type: ignore[attr-defined]
                post.search_snippet_raw,  # type: ignore[attr-defined]
                post.search_snippet_tail,  # type: ignore[attr-defined]
            )
        else:
            snippet = " · ".join(str(line) for line in post.tldr) if post.tldr else ""
            post.search_title = search.sqlite_highlight(post.title, query)  # type: ignore[attr-defined]
            post.search_snippet = search.sqlite_highlight(excerpt(snippet, 300), query)  # type: ignore[attr-defined]
    return page


def search_items_for_syndication(*, query: ParsedQuery, limit: int = 30) -> list[Post]:
    """The newest posts matching `query`, bodies included, for a saved search's RSS/Atom feed."""
    qs = search.search_filter(Post.objects.all(), query)
    return _syndication_rows(qs, viewer=None, order="newest", limit=limit)


# --- Following ------------------------------------------------------------------------------


# Follows that together reach at most this many posts are "sparse" (docs/search.md#my-feed).
FOLLOWED_SPARSE_LIMIT = 1000


def _followed_post_ids(user: User) -> QuerySet[Any]:
    """The ids of the posts a tag, channel, author or key entity `user` follows reaches, each
    branch from its own index, as one UNION ALL (a post reached twice appears twice)."""
    follows = Follow.objects.filter(user=user)
    return (
        _PostTag.objects.filter(tag_id__in=follows.filter(tag__isnull=False).values("tag_id"))
        .order_by()
        .values_list("post_id", flat=True)
        .union(
            Post.objects.filter(
                channel_id__in=follows.filter(channel__isnull=False).values("channel_id")
            )
            .order_by()
            .values_list("id", flat=True),
            Post.objects.filter(
                author_id__in=follows.filter(followed_user__isnull=False).values("followed_user_id")
            )
            .order_by()
            .values_list("id", flat=True),
            PostEntity.objects.filter(
                entity_id__in=follows.filter(entity__isnull=False).values("entity_id")
            )
            .order_by()
            .values_list("post_id", flat=True),
            all=True,
        )
    )


def _followed(user: User) -> Q:
    """Posts with a tag, channel, author or key entity `user` follows.

    Two plans, chosen by one cheap query that counts the posts the follows reach up to
    FOLLOWED_SPARSE_LIMIT (it stops there). Sparse follows (a quiet author, a small tag): the
    post ids come from the follows' own indexes and only those posts are ordered, so the cost
    does not grow with the site. Dense follows (a big tag): the hot or newest index is walked and
    each post tested with four EXISTS, which finds a page of matches after a few rows."""
    reached = _followed_post_ids(user)[: FOLLOWED_SPARSE_LIMIT + 1].count()
    if reached <= FOLLOWED_SPARSE_LIMIT:
        return Q(pk__in=_followed_post_ids(user))
    follows = Follow.objects.filter(user=user)
    return (
        Q(
            Exists(
                _PostTag.objects.filter(
                    post_id=OuterRef("pk"),
                    tag_id__in=follows.filter(tag__isnull=False).values("tag_id"),
                )
            )
        )
        | Q(Exists(follows.filter(channel_id=OuterRef("channel_id"))))
        | Q(Exists(follows.filter(followed_user_id=OuterRef("author_id"))))
        | Q(
            Exists(
                PostEntity.objects.filter(
                    post_id=OuterRef("pk"),
                    entity_id__in=follows.filter(entity__isnull=False).values("entity_id"),
                )
            )
        )
    )


def feed_followed(
    *,
    viewer: User,
    order: str = "hot",
    after: str | None = None,
    page_size: int = 25,
    related: bool = True,
) -> KeysetPage[Post]:
    """One page of "My feed": published posts tagged with a tag `viewer` follows, on a channel
    they follow, by a user they follow or involving a key entity they follow, hot or newest
    first; their hidden posts and tags left out. Costs the posts query plus the tags prefetch at
    any page size (`related=False`: without the tags, as posts_for_viewer). Raises InvalidCursor
    and KeyError (unknown order)."""
    if order not in ("hot", "newest"):
        raise KeyError(order)
    qs = posts_for_viewer(
        viewer=viewer, queryset=Post.objects.filter(_followed(viewer)), related=related
    )
    return keyset_paginate(qs, ordering=ORDERINGS[order], after=after, page_size=page_size)


def followed_items_for_syndication(*, user: User, limit: int = 30) -> list[Post]:
    """The newest posts of `user`'s My feed, bodies included, for their private RSS/Atom feed."""
    qs = Post.objects.filter(_followed(user))
    return _syndication_rows(qs, viewer=user, order="newest", limit=limit)


def follows_any(*, user: User) -> bool:
    return Follow.objects.filter(user=user).exists()


FOLLOW_ORDERING = Ordering("created_at", datetime)


def follow_list(
    *, user: User, after: str | None = None, page_size: int = 100
) -> KeysetPage[Follow]:
    """`user`'s follows with their tag, channel, user or entity loaded, latest first. One
    query."""
    qs = Follow.objects.filter(user=user).select_related(
        "tag", "channel", "followed_user", "entity"
    )
    return keyset_paginate(qs, ordering=FOLLOW_ORDERING, after=after, page_size=page_size)


def hidden_tag_list(
    *, user: User, after: str | None = None, page_size: int = 100
) -> KeysetPage[HiddenTag]:
    """The tags `user` hid, latest first, tags loaded. One query."""
    qs = HiddenTag.objects.filter(user=user).select_related("tag")
    return keyset_paginate(qs, ordering=FOLLOW_ORDERING, after=after, page_size=page_size)


def feed_token_active(*, user: User) -> FeedToken | None:
    return FeedToken.objects.filter(user=user, revoked_at__isnull=True).first()


def feed_token_user(*, secret: str) -> User | None:
    """The active user whose private-feed token is `secret`, or None (unknown or revoked)."""
    if not secret or len(secret) > 100:
        return None
    token = (
        FeedToken.objects.select_related("user")
        .filter(
            token_hash=FeedToken.hash_secret(secret), revoked_at__isnull=True, user__is_active=True
        )
        .first()
    )
    return token.user if token is not None else None


def followed_tag_and_channel_ids(*, user: User) -> tuple[list[int], list[int]]:
    """The ids of the tags and of the channels `user` follows (the digest form's choices)."""
    follows = Follow.objects.filter(user=user).values_list("tag_id", "channel_id")
    return (
        [tag for tag, _ in follows if tag],
        [channel for _, channel in follows if channel],
    )


def followed_post_ids_for(
    *,
    user_ids: Sequence[int],
    since: Mapping[int, datetime],
    until: datetime,
    limit: int,
    candidates: int = 5000,
) -> dict[int, list[int]]:
    """For each of `user_ids`, the ids of up to `limit` best posts (by score) published between
    `since[user_id]` and `until` from the tags, channels, people and key entities they follow,
    leaving out the posts and tags they hid: My feed's rule, for many readers at once (personal
    digests).

    A fixed handful of queries for the whole batch, none per reader: the `candidates` best posts
    of the window from everything the batch follows, then each reader's pick in Python."""
    tags: dict[int, set[int]] = defaultdict(set)
    channels: dict[int, set[int]] = defaultdict(set)
    people: dict[int, set[int]] = defaultdict(set)
    entities: dict[int, set[int]] = defaultdict(set)
    for user_id, tag_id, channel_id, followed_id, entity_id in Follow.objects.filter(
        user_id__in=user_ids
    ).values_list("user_id", "tag_id", "channel_id", "followed_user_id", "entity_id"):
        if tag_id:
            tags[user_id].add(tag_id)
        elif channel_id:
            channels[user_id].add(channel_id)
        elif followed_id:
            people[user_id].add(followed_id)
        elif entity_id:
            entities[user_id].add(entity_id)
    all_tags = set().union(*tags.values()) if tags else set()
    all_channels = set().union(*channels.values()) if channels else set()
    all_people = set().union(*people.values()) if people else set()
    all_entities = set().union(*entities.values()) if entities else set()
    if not (all_tags or all_channels or all_people or all_entities):
        return {user_id: [] for user_id in user_ids}
    post_tags = Post.tags.through.objects
    rows = list(
        Post.objects.filter(
            status=Post.Status.PUBLISHED,
            published_at__gte=min(since.values()),
            published_at__lt=until,
        )
        .filter(
            Q(Exists(post_tags.filter(post_id=OuterRef("pk"), tag_id__in=all_tags)))
            | Q(channel_id__in=all_channels)
            | Q(author_id__in=all_people)
            | Q(
                Exists(
                    PostEntity.objects.filter(post_id=OuterRef("pk"), entity_id__in=all_entities)
                )
            )
        )
        .order_by("-score", "-published_at", "-id")
        .values_list("pk", "channel_id", "author_id", "published_at")[:candidates]
    )
    tags_of: dict[int, set[int]] = defaultdict(set)
    for post_id, tag_id in post_tags.filter(post_id__in=[row[0] for row in rows]).values_list(
        "post_id", "tag_id"
    ):
        tags_of[post_id].add(tag_id)
    entities_of: dict[int, set[int]] = defaultdict(set)
    if all_entities:
        for post_id, entity_id in PostEntity.objects.filter(
            post_id__in=[row[0] for row in rows], entity_id__in=all_entities
        ).values_list("post_id", "entity_id"):
            entities_of[post_id].add(entity_id)
    hidden_posts: dict[int, set[int]] = defaultdict(set)
    for user_id, post_id in HiddenPost.objects.filter(user_id__in=user_ids).values_list(
        "user_id", "post_id"
    ):
        hidden_posts[user_id].add(post_id)
    hidden_tags: dict[int, set[int]] = defaultdict(set)
    for user_id, tag_id in HiddenTag.objects.filter(user_id__in=user_ids).values_list(
        "user_id", "tag_id"
    ):
        hidden_tags[user_id].add(tag_id)
    chosen: dict[int, list[int]] = {}
    for user_id in user_ids:
        picked: list[int] = []
        for post_id, channel_id, author_id, published_at in rows:
            if len(picked) >= limit:
                break
            if published_at is None or published_at < since[user_id]:
                continue
            if post_id in hidden_posts[user_id]:
                continue
            if tags_of[post_id] & hidden_tags[user_id]:
                continue
            if (
                tags_of[post_id] & tags[user_id]
                or channel_id in channels[user_id]
                or author_id in people[user_id]
                or entities_of[post_id] & entities[user_id]
            ):
                picked.append(post_id)
        chosen[user_id] = picked
    return chosen
