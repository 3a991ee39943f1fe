"""Feed pages (hot, newest, top; by tag, channel or author), a user's saved and hidden lists,
and the rows of the RSS/Atom feeds."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import Exists, OuterRef, Prefetch, QuerySet
from django.http import Http404
from django.utils import timezone

from accounts.models import User
from core.pagination import KeysetPage, Ordering, keyset_paginate
from posts.models import Channel, HiddenPost, Post, SavedPost, Tag
from posts.selectors.core import (
    _ROW_DEFERRED,
    _ROW_TAGS,
    ORDERINGS,
    TOP_PERIODS,
    Viewer,
    _authenticated,
    _has_hidden_tag,
    _viewer_flags,
    posts_for_viewer,
)

_LIST_ORDERING = Ordering("created_at", datetime)


def _user_list(
    *, model: type[SavedPost] | type[HiddenPost], user: User, after: str | None, page_size: int
) -> KeysetPage[Post]:
    """A user's saved or hidden posts, most recently added first, as feed rows.

    Pages on the list row's (created_at, id) through its (user, -created_at, -id) index; the
    viewer's flags come from EXISTS columns, so a page costs one query plus the tags prefetch.
    """
    rows = (
        model.objects.filter(user=user, post__status=Post.Status.PUBLISHED)
        .select_related("post", "post__author", "post__channel")
        .prefetch_related(Prefetch("post__tags", queryset=_ROW_TAGS))
        .defer(*(f"post__{name}" for name in _ROW_DEFERRED))
        .annotate(**_viewer_flags(user, post="post_id"))
    )
    page: KeysetPage[Any] = keyset_paginate(
        rows, ordering=_LIST_ORDERING, after=after, page_size=page_size
    )
    posts = []
    for row in page.items:
        post: Post = row.post
        post.viewer_voted = row.viewer_voted  # type: ignore[attr-defined]
        post.viewer_saved = row.viewer_saved  # type: ignore[attr-defined]
        post.viewer_hidden = row.viewer_hidden  # type: ignore[attr-defined]
        posts.append(post)
    return KeysetPage(items=posts, next_cursor=page.next_cursor, page_size=page.page_size)


def saved_post_list(
    *, user: User, after: str | None = None, page_size: int = 25
) -> KeysetPage[Post]:
    """One page of the posts `user` saved, newest save first. Raises InvalidCursor."""
    return _user_list(model=SavedPost, user=user, after=after, page_size=page_size)


def hidden_post_list(
    *, user: User, after: str | None = None, page_size: int = 25
) -> KeysetPage[Post]:
    """One page of the posts `user` hid, newest first. Raises InvalidCursor."""
    return _user_list(model=HiddenPost, user=user, after=after, page_size=page_size)


def feed_list(
    *,
    viewer: Viewer,
    order: str = "hot",
    period: str = "all",
    tag: Tag | None = None,
    channel: Channel | None = None,
    author: User | None = None,
    domain: str | None = None,
    queryset: QuerySet[Post] | None = None,
    after: str | None = None,
    page_size: int = 25,
    related: bool = True,
) -> KeysetPage[Post]:
    """One page of a feed. `order` is hot, newest, top or active (latest comment first, posts
    with comments only); `period` narrows top to a time span; `domain` keeps the links to one
    source domain (as `Post.domain` stores it); `queryset` narrows further (the API's filters).

    `related=False`: author, channel and tags are not loaded (posts_for_viewer).

    Raises InvalidCursor for a forged cursor and KeyError for an unknown order or period.
    """
    ordering = ORDERINGS[order]
    filters: dict[str, Any] = {}
    if tag is not None:
        filters["tags"] = tag
    if channel is not None:
        filters["channel"] = channel
    if author is not None:
        filters["author"] = author
    if domain is not None:
        filters["domain"] = domain
    if order == "active":
        filters["last_commented_at__isnull"] = False
    if order == "hot":
        # Held by readers' flags until a moderator decides (docs/moderation.md#flags).
        filters["held"] = False
    if order == "top":
        span = TOP_PERIODS[period]
        if span is not None:
            filters["published_at__gte"] = timezone.now() - span
    base = queryset if queryset is not None else Post.objects.all()
    qs = posts_for_viewer(viewer=viewer, queryset=base.filter(**filters), related=related)
    return keyset_paginate(qs, ordering=ordering, after=after, page_size=page_size)


def domain_canonical(domain: str) -> str:
    """`domain` as posts store it: lower case, no trailing dot, no leading `www.`."""
    return domain.strip().lower().rstrip(".").removeprefix("www.")


def domain_get(*, domain: str) -> str:
    """`domain` (canonical) when some published post links to it, else Http404. One query."""
    domain = domain_canonical(domain)
    if not domain or not Post.objects.filter(domain=domain, status=Post.Status.PUBLISHED).exists():
        raise Http404("No posts link to that domain.")
    return domain


def feed_items_for_syndication(
    *,
    order: str = "newest",
    tag: Tag | None = None,
    channel: Channel | None = None,
    author: User | None = None,
    domain: str | None = None,
    viewer: Viewer = None,
    limit: int = 30,
) -> list[Post]:
    """The newest (or hottest) published posts for an RSS/Atom feed, bodies included.

    With a `viewer` (a personal digest or feed), the posts and tags they hid are left out.
    """
    qs = Post.objects.filter(status=Post.Status.PUBLISHED)
    if tag is not None:
        qs = qs.filter(tags=tag)
    if channel is not None:
        qs = qs.filter(channel=channel)
    if author is not None:
        qs = qs.filter(author=author)
    if domain is not None:
        qs = qs.filter(domain=domain)
    return _syndication_rows(qs, viewer=viewer, order=order, limit=limit)


def _syndication_rows(qs: QuerySet[Post], *, viewer: Viewer, order: str, limit: int) -> list[Post]:
    user = _authenticated(viewer)
    if user is not None:
        qs = qs.filter(
            ~Exists(HiddenPost.objects.filter(user=user, post=OuterRef("pk"))),
            ~_has_hidden_tag(user),
        )
    if order == "hot":
        qs = qs.filter(held=False)
    qs = (
        qs.filter(status=Post.Status.PUBLISHED)
        .select_related("author", "channel")
        .prefetch_related("tags")
        .defer("search_vector")
    )
    return list(qs.order_by(*ORDERINGS[order].order_by)[:limit])
