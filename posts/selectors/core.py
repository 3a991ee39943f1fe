"""The base every read starts from: who the viewer is, the published posts they may see with
their own vote/save/hide state, and the tags they hid."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from django.contrib.auth.models import AnonymousUser
from django.db.models import (
    Exists,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    prefetch_related_objects,
)

from accounts.models import User
from core.pagination import Ordering
from posts.models import HiddenPost, HiddenTag, Post, ReadRibbon, SavedPost, Tag, Vote

Viewer = User | AnonymousUser | None

ORDERINGS: dict[str, Ordering] = {
    "hot": Ordering("hotness", float),
    "newest": Ordering("published_at", datetime),
    "top": Ordering("score", int),
    # Latest discussion first (the Active feed): posts nobody has commented on are left out.
    "active": Ordering("last_commented_at", datetime),
}
TOP_PERIODS: dict[str, timedelta | None] = {
    "day": timedelta(days=1),
    "week": timedelta(days=7),
    "month": timedelta(days=30),
    "all": None,
}


def _authenticated(viewer: Viewer) -> User | None:
    return viewer if isinstance(viewer, User) and viewer.is_authenticated else None


_ROW_DEFERRED = (
    "search_vector",
    "body",
    "body_html",
    "quote",
    "quote_html",
    "normalized_url",
    "removed_reason",
    "preview_title",
    "preview_description",
    "preview_site_name",
    "preview_image_url",
)
_ROW_TAGS = Tag.objects.only("id", "slug", "name")


def posts_for_viewer(
    *,
    viewer: Viewer,
    queryset: QuerySet[Post] | None = None,
    include_hidden: bool = False,
    related: bool = True,
) -> QuerySet[Post]:
    """Published posts with author, channel and tags loaded, and the viewer's vote/save flags.
    With `related=False` the author, channel and tags are left to the caller: feed pages load
    them only for the rows missing from the row cache (`post_row_related_load`).

    Posts the viewer hid are left out (a NOT EXISTS in the same query, so the page still costs
    one query) unless `include_hidden`, which annotates `viewer_hidden` instead. Posts carrying a
    tag the viewer hid are always left out (one more NOT EXISTS): every feed, search, My feed
    and API list goes through here.
    """
    qs = queryset if queryset is not None else Post.objects.all()
    qs = qs.filter(status=Post.Status.PUBLISHED).defer(*_ROW_DEFERRED)
    if related:
        qs = qs.select_related("author", "channel").prefetch_related(
            Prefetch("tags", queryset=_ROW_TAGS)
        )
    user = _authenticated(viewer)
    if user is not None:
        flags = _viewer_flags(user)
        hidden = flags.pop("viewer_hidden")
        qs = qs.annotate(**flags, viewer_seen=_viewer_seen(user))
        qs = qs.annotate(viewer_hidden=hidden) if include_hidden else qs.filter(~hidden)
        qs = qs.filter(~_has_hidden_tag(user))
    return qs


_PostTag = Post.tags.through


def post_row_related_load(posts: Sequence[Post]) -> None:
    """Load what a feed row shows of `posts` fetched with `related=False`: author, channel and
    tags, three queries for any number of posts (none for none)."""
    if posts:
        prefetch_related_objects(
            list(posts), "author", "channel", Prefetch("tags", queryset=_ROW_TAGS)
        )


def _has_hidden_tag(user: User, post: str = "pk") -> Exists:
    """EXISTS: the post named by `post` carries a tag `user` hid."""
    return Exists(
        _PostTag.objects.filter(
            post_id=OuterRef(post),
            tag_id__in=HiddenTag.objects.filter(user=user).values("tag_id"),
        )
    )


def post_visible_filter(*, viewer: Viewer, post: str) -> Q:
    """The rule every list applies, for rows that point at a post through the field `post`
    (comments, for instance): the post is published, the viewer did not hide it and it carries
    no tag they hid. The same rule as `posts_for_viewer`."""
    rule = Q(**{f"{post}__status": Post.Status.PUBLISHED})
    user = _authenticated(viewer)
    if user is not None:
        rule &= ~Q(Exists(HiddenPost.objects.filter(user=user, post=OuterRef(post))))
        rule &= ~Q(_has_hidden_tag(user, post))
    return rule


def hidden_tag_ids(*, user: User) -> set[int]:
    """The ids of the tags `user` hid: for lists built outside `posts_for_viewer` (digests)."""
    return set(HiddenTag.objects.filter(user=user).values_list("tag_id", flat=True))


def _viewer_seen(user: User, post: str = "pk") -> Subquery:
    """How many comments the viewer had seen on their last visit of the thread (None: never
    visited): feed rows show the difference as new comments, in the same query."""
    return Subquery(
        ReadRibbon.objects.filter(user=user, post=OuterRef(post)).values("seen_count")[:1]
    )


def _viewer_flags(user: User, post: str = "pk") -> dict[str, Exists]:
    """EXISTS columns for the viewer's own state of the post named by the `post` reference."""
    return {
        "viewer_voted": Exists(Vote.objects.filter(user=user, post=OuterRef(post))),
        "viewer_saved": Exists(SavedPost.objects.filter(user=user, post=OuterRef(post))),
        "viewer_hidden": Exists(HiddenPost.objects.filter(user=user, post=OuterRef(post))),
    }
