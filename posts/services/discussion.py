"""What a post stores about its discussion: the comment count, the latest comment's time and the
comments' points in hotness, and each member's read ribbon. The discussion app (above posts)
calls these in the transaction of each comment change (docs/discussion.md)."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from posts.models import Post, ReadRibbon
from posts.ranking import hotness


@transaction.atomic
def post_discussion_update(
    *,
    post_id: int,
    count_delta: int = 0,
    points_delta: float = 0.0,
    commented_at: datetime | None = None,
) -> None:
    """Add to the post's comment count and comment points, move its latest-comment time forward
    to `commented_at`, and store the hotness that follows, in one UPDATE under the post's row
    lock (votes on the post take the same lock, so neither overwrites the other)."""
    locked = (
        Post.objects.select_for_update()
        .only(
            "score",
            "published_at",
            "comment_count",
            "comment_points",
            "last_commented_at",
            "flag_count",
            "merged_score",
        )
        .get(pk=post_id)
    )
    count = max(0, locked.comment_count + count_delta)
    points = max(0.0, locked.comment_points + points_delta)
    latest = locked.last_commented_at
    if commented_at is not None and (latest is None or commented_at > latest):
        latest = commented_at
    Post.objects.filter(pk=post_id).update(
        comment_count=count,
        comment_points=points,
        last_commented_at=latest,
        hotness=hotness(
            score=locked.score,
            published_at=locked.published_at,
            comment_points=points,
            flags=locked.flag_count,
            merged=locked.merged_score,
        ),
    )


@transaction.atomic
def post_discussion_set(
    *, post_id: int, count: int, points: float, latest: datetime | None
) -> None:
    """Store the post's comment count, comment points and latest-comment time as counted again
    by the discussion (after a merge moved comments here), and the hotness that follows, under
    the post's row lock."""
    locked = (
        Post.objects.select_for_update()
        .only("score", "published_at", "flag_count", "merged_score")
        .get(pk=post_id)
    )
    Post.objects.filter(pk=post_id).update(
        comment_count=count,
        comment_points=max(0.0, points),
        last_commented_at=latest,
        hotness=hotness(
            score=locked.score,
            published_at=locked.published_at,
            comment_points=max(0.0, points),
            flags=locked.flag_count,
            merged=locked.merged_score,
        ),
    )


def read_ribbon_get(*, user: User, post: Post) -> ReadRibbon | None:
    """The member's ribbon on this post: where they stopped reading last time, or None."""
    return ReadRibbon.objects.filter(user=user, post=post).first()


def read_ribbon_mark(*, user: User, post: Post) -> None:
    """Record that `user` has read `post`'s discussion as it is now (its comment count, this
    moment). One statement (an upsert), so a thread visit costs one write."""
    ReadRibbon.objects.bulk_create(
        [
            ReadRibbon(
                user=user, post=post, seen_count=post.comment_count, last_read_at=timezone.now()
            )
        ],
        update_conflicts=True,
        unique_fields=["user", "post"],
        update_fields=["seen_count", "last_read_at"],
    )
