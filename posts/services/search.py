"""The search document of posts: written by the services that change what a post says."""

from __future__ import annotations

from django.db import transaction
from django.db.models import QuerySet

from posts import search
from posts.models import Post


@transaction.atomic
def post_search_index(*, post: Post) -> None:
    """Recompute `post`'s stored search vector from its saved title, TL;DR, tags, key numbers
    and body, in one UPDATE. Call it after those rows are written (post_create, post_update,
    the admin). Does nothing on SQLite, where search reads the text columns directly."""
    if not search.is_postgres():
        return
    Post.objects.filter(pk=post.pk).update(search_vector=search.search_vector_expression())


def post_search_reindex(*, queryset: QuerySet[Post] | None = None, batch_size: int = 5000) -> int:
    """Recompute the search vector of every post in `queryset` (all posts by default), in id
    order, one UPDATE and one transaction per batch of `batch_size`, so a large table is never
    locked as a whole and an interrupted run can simply start again. Returns the posts updated
    (0 on SQLite, which has no vector)."""
    if not search.is_postgres():
        return 0
    base = queryset if queryset is not None else Post.objects.all()
    done = 0
    last_id = 0
    while True:
        ids = list(
            base.filter(pk__gt=last_id).order_by("pk").values_list("pk", flat=True)[:batch_size]
        )
        if not ids:
            return done
        with transaction.atomic():
            done += Post.objects.filter(pk__in=ids).update(
                search_vector=search.search_vector_expression()
            )
        last_id = ids[-1]
