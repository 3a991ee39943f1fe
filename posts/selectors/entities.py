"""Key entities: an entity's page (its posts and the timeline merged from theirs) and feeds."""

from __future__ import annotations

from django.db.models import Exists, F, OuterRef, Q
from django.http import Http404

from core.pagination import KeysetPage, keyset_paginate
from posts.models import Entity, Follow, Post, PostEntity, TimelineEvent
from posts.selectors.core import (
    ORDERINGS,
    Viewer,
    _authenticated,
    post_visible_filter,
    posts_for_viewer,
)
from posts.selectors.directory import _follower_count
from posts.selectors.feeds import _syndication_rows

# The merged timeline shows at most this many events (the oldest first); a page never grows
# without bound however many posts involve the entity.
ENTITY_TIMELINE_MAX = 200


def entity_get(*, slug: str) -> Entity:
    """The entity with this slug, or Http404."""
    entity = Entity.objects.filter(slug=slug).first()
    if entity is None:
        raise Http404("No such entity.")
    return entity


def entity_get_for_page(*, slug: str, viewer: Viewer) -> Entity:
    """The entity with `follower_count` and, for a logged-in viewer, `viewer_follows`, in one
    query; or Http404."""
    qs = Entity.objects.filter(slug=slug).annotate(
        follower_count=_follower_count(entity=OuterRef("pk"))
    )
    user = _authenticated(viewer)
    if user is not None:
        qs = qs.annotate(
            viewer_follows=Exists(Follow.objects.filter(user=user, entity=OuterRef("pk")))
        )
    entity = qs.first()
    if entity is None:
        raise Http404("No such entity.")
    return entity


def _involves(entity: Entity, post: str = "pk") -> Exists:
    """EXISTS: the post named by `post` lists `entity` among its key entities."""
    return Exists(PostEntity.objects.filter(entity=entity, post_id=OuterRef(post)))


def entity_post_list(
    *, entity: Entity, viewer: Viewer, after: str | None = None, page_size: int = 25
) -> KeysetPage[Post]:
    """One page of the published posts involving `entity`, newest first, as feed rows (the
    viewer's hidden posts and tags left out). The posts query plus the tags prefetch at any
    page size. Raises InvalidCursor."""
    qs = posts_for_viewer(viewer=viewer, queryset=Post.objects.filter(_involves(entity)))
    return keyset_paginate(qs, ordering=ORDERINGS["newest"], after=after, page_size=page_size)


def entity_timeline(
    *, entity: Entity, viewer: Viewer, limit: int = ENTITY_TIMELINE_MAX
) -> list[TimelineEvent]:
    """The timeline events of every post involving `entity` that `viewer` may see, merged in
    date order: dated events by date, then the undated ones (a looser `when` such as "Q1 2027",
    which has no order of its own) by their post's publication; within one post, its own order.
    Each event carries its post (title and address only). One query, at most `limit` events."""
    return list(
        TimelineEvent.objects.filter(
            Q(_involves(entity, post="post_id")) & post_visible_filter(viewer=viewer, post="post")
        )
        .select_related("post")
        .only(
            "id",
            "date",
            "when",
            "description",
            "order",
            "post__id",
            "post__short_id",
            "post__slug",
            "post__title",
            "post__published_at",
        )
        .order_by(F("date").asc(nulls_last=True), "post__published_at", "post_id", "order", "id")[
            :limit
        ]
    )


def entity_items_for_syndication(*, entity: Entity, limit: int = 30) -> list[Post]:
    """The newest published posts involving `entity`, bodies included, for its RSS/Atom feed."""
    return _syndication_rows(
        Post.objects.filter(_involves(entity)), viewer=None, order="newest", limit=limit
    )
