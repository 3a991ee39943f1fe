"""Key entities: an entity's page (its posts and the timeline merged from theirs) and feeds."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, QuerySet
from django.http import Http404

from core.pagination import KeysetPage, keyset_paginate
from posts.models import Entity, Post, PostEntity
from posts.selectors.core import ORDERINGS, Viewer, posts_for_viewer


def entity_get(*, slug: str) -> Entity:
    """The entity with this slug, or Http404."""
    entity = Entity.objects.filter(slug=slug).first()
    if entity is None:
        raise Http404("No such entity.")
    return entity


def _involving(entity: Entity) -> QuerySet[Post]:
    """Posts that list `entity` among their key entities (an EXISTS: one row per post)."""
    return Post.objects.filter(
        Exists(PostEntity.objects.filter(entity=entity, post_id=OuterRef("pk")))
    )


def entity_post_list(
    *, entity: Entity, viewer: Viewer, after: str | None = None, page_size: int = 25
) -> KeysetPage[Post]:
    """One page of the published posts involving `entity`, newest first, as feed rows (the
    viewer's hidden posts and tags left out). The posts query plus the tags prefetch at any
    page size. Raises InvalidCursor."""
    qs = posts_for_viewer(viewer=viewer, queryset=_involving(entity))
    return keyset_paginate(qs, ordering=ORDERINGS["newest"], after=after, page_size=page_size)
