"""Reads for the feed pages, post pages, feeds and the API. Each returns rows ready for its page:
related rows joined or prefetched, and the viewer's own state annotated, so that a page costs the
same few queries whatever its size."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db.models import Exists, OuterRef, Prefetch, QuerySet
from django.http import Http404
from django.utils import timezone

from accounts.models import User
from posts.models import Channel, ChannelMembership, Post, SavedPost, Tag, Vote
from posts.pagination import KeysetPage, Ordering, keyset_paginate

Viewer = User | AnonymousUser | None

ORDERINGS: dict[str, Ordering] = {
    "hot": Ordering("hotness", float),
    "newest": Ordering("published_at", datetime),
    "top": Ordering("score", int),
}
BY_SLUG = Ordering("slug", str, descending=False)
BY_HANDLE = Ordering("handle", str, descending=False)
TOP_PERIODS: dict[str, timedelta | None] = {
    "day": timedelta(days=1),
    "week": timedelta(days=7),
    "month": timedelta(days=30),
    "all": None,
}


def _authenticated(viewer: Viewer) -> User | None:
    return viewer if isinstance(viewer, User) and viewer.is_authenticated else None


def posts_for_viewer(*, viewer: Viewer, queryset: QuerySet[Post] | None = None) -> QuerySet[Post]:
    """Published posts with author, channel and tags loaded, and the viewer's vote/save flags."""
    qs = queryset if queryset is not None else Post.objects.all()
    qs = (
        qs.filter(status=Post.Status.PUBLISHED)
        .select_related("author", "channel")
        .prefetch_related(Prefetch("tags", queryset=Tag.objects.only("id", "slug", "name")))
        .defer("body", "body_html", "normalized_url", "removed_reason")
    )
    user = _authenticated(viewer)
    if user is not None:
        qs = qs.annotate(
            viewer_voted=Exists(Vote.objects.filter(user=user, post=OuterRef("pk"))),
            viewer_saved=Exists(SavedPost.objects.filter(user=user, post=OuterRef("pk"))),
        )
    return qs


def feed_list(
    *,
    viewer: Viewer,
    order: str = "hot",
    period: str = "all",
    tag: Tag | None = None,
    channel: Channel | None = None,
    author: User | None = None,
    queryset: QuerySet[Post] | None = None,
    after: str | None = None,
    page_size: int = 25,
) -> KeysetPage[Post]:
    """One page of a feed. `order` is hot, newest or top; `period` narrows top to a time span;
    `queryset` narrows further (the API's filters).

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
    if order == "top":
        span = TOP_PERIODS[period]
        if span is not None:
            filters["published_at__gte"] = timezone.now() - span
    base = queryset if queryset is not None else Post.objects.all()
    qs = posts_for_viewer(viewer=viewer, queryset=base.filter(**filters))
    return keyset_paginate(qs, ordering=ordering, after=after, page_size=page_size)


def post_get_for_page(*, short_id: str, viewer: Viewer) -> Post:
    """The post page's post with everything the page shows, or Http404.

    Removed posts are returned (the page says they were removed); drafts only to their author.
    """
    qs = (
        Post.objects.select_related("author", "channel")
        .prefetch_related("tags", "key_facts", "timeline_events")
        .filter(short_id=short_id)
    )
    user = _authenticated(viewer)
    if user is not None:
        qs = qs.annotate(
            viewer_voted=Exists(Vote.objects.filter(user=user, post=OuterRef("pk"))),
            viewer_saved=Exists(SavedPost.objects.filter(user=user, post=OuterRef("pk"))),
        )
    post = qs.first()
    if post is None:
        raise Http404("No such post.")
    if post.status == Post.Status.DRAFT and (user is None or post.author_id != user.pk):
        raise Http404("No such post.")
    return post


def tag_get(*, slug: str) -> Tag:
    tag = Tag.objects.filter(slug=slug).first()
    if tag is None:
        raise Http404("No such tag.")
    return tag


def tag_list() -> QuerySet[Tag]:
    return Tag.objects.order_by("slug")


def channel_get(*, handle: str) -> Channel:
    """The channel with its members (owners first) prefetched, or Http404."""
    memberships = ChannelMembership.objects.select_related("user").order_by("role", "joined_at")
    channel = (
        Channel.objects.prefetch_related(Prefetch("memberships", queryset=memberships))
        .filter(handle=handle.lower())
        .first()
    )
    if channel is None:
        raise Http404("No such channel.")
    return channel


def channel_list() -> QuerySet[Channel]:
    return Channel.objects.order_by("handle")


def user_get_public(*, username: str) -> User:
    user = User.objects.filter(username__iexact=username, is_active=True).first()
    if user is None:
        raise Http404("No such user.")
    return user


def feed_items_for_syndication(
    *,
    order: str = "newest",
    tag: Tag | None = None,
    channel: Channel | None = None,
    author: User | None = None,
    limit: int = 30,
) -> list[Post]:
    """The newest (or hottest) published posts for an RSS/Atom feed, bodies included."""
    qs = Post.objects.filter(status=Post.Status.PUBLISHED)
    if tag is not None:
        qs = qs.filter(tags=tag)
    if channel is not None:
        qs = qs.filter(channel=channel)
    if author is not None:
        qs = qs.filter(author=author)
    qs = qs.select_related("author", "channel").prefetch_related("tags")
    return list(qs.order_by(*ORDERINGS[order].order_by)[:limit])
