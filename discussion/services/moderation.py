"""What moderation changes on a comment: its flag count and the confidence that follows, and
restoring a comment a moderator removed. The moderation app (above discussion) calls these in
the transaction of each flag or moderator action; discussion owns the rows
(docs/moderation.md)."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Count, Max, Q, Sum

from discussion.models import MAX_DEPTH, Comment
from discussion.ranking import comment_points, comment_points_total, confidence
from discussion.services.errors import CommentActionNotAllowed
from posts.models import Post
from posts.services.discussion import post_discussion_set, post_discussion_update


def comment_lock(*, comment_id: int) -> Comment:
    """The comment's row (with its post), locked until the caller's transaction ends: flags and
    moderator actions on one comment queue up and each sees what the other did."""
    return Comment.objects.select_for_update(of=("self",)).select_related("post").get(pk=comment_id)


def comment_flags_store(*, comment: Comment, delta: int) -> Comment:
    """Add `delta` to the locked `comment`'s open flags and store the confidence that follows
    (flags are its down votes), in one UPDATE."""
    comment.flag_count = max(0, comment.flag_count + delta)
    comment.confidence = confidence(ups=comment.score, downs=comment.flag_count)
    Comment.objects.filter(pk=comment.pk).update(
        flag_count=comment.flag_count, confidence=comment.confidence
    )
    return comment


@transaction.atomic
def comment_flags_clear(*, comment: Comment) -> Comment:
    """A moderator decided the open flags on the locked `comment` need nothing more: they stop
    counting as down votes. Raises CommentActionNotAllowed when there are none (another
    moderator just dismissed them)."""
    if not comment.flag_count:
        raise CommentActionNotAllowed(
            "There are no open flags on this comment; nothing to dismiss."
        )
    return comment_flags_store(comment=comment, delta=-comment.flag_count)


@transaction.atomic
def comment_restore(*, comment: Comment) -> Comment:
    """Publish the locked `comment` again after a moderator's removal; its post counts it
    again. Raises CommentActionNotAllowed for a comment that is not removed (another moderator
    restored it, or its author deleted it: deleting took its text)."""
    if comment.status != Comment.Status.REMOVED:
        raise CommentActionNotAllowed("This comment is not removed; nothing to restore.")
    comment.status = Comment.Status.PUBLISHED
    comment.removed_by = None
    comment.removed_reason = ""
    comment.save(update_fields=["status", "removed_by", "removed_reason"])
    own = comment.author_id is not None and comment.author_id == comment.post.author_id
    post_discussion_update(
        post_id=comment.post_id,
        count_delta=1,
        points_delta=0.0 if own else comment_points(score=comment.score),
    )
    return comment


@transaction.atomic
def comments_move(*, source: Post, target: Post) -> int:
    """Move every comment of `source` under `target` (a moderator merged the stories), keeping
    each thread's shape, and count both posts' discussions again. Returns how many moved.

    Level by level from the top, so each reply's parent is already on `target` when the reply
    moves: SQLite's triggers check every row at once, PostgreSQL's (post, parent) key at commit
    (discussion/migrations/0002)."""
    moved = 0
    for depth in range(MAX_DEPTH + 1):
        moved += Comment.objects.filter(post_id=source.pk, depth=depth).update(post_id=target.pk)
    for post in (source, target):
        _discussion_count(post=post)
    return moved


def _discussion_count(*, post: Post) -> None:
    """The post's published comments, their points (not the submitter's own) and the latest
    one's time, counted from the rows."""
    published = Comment.objects.filter(post_id=post.pk, status=Comment.Status.PUBLISHED)
    own = Q(author_id=post.author_id) if post.author_id is not None else Q(pk__in=[])
    totals = published.aggregate(
        count=Count("id"),
        latest=Max("created_at"),
        others=Count("id", filter=~own),
        others_score=Sum("score", filter=~own),
    )
    post_discussion_set(
        post_id=post.pk,
        count=totals["count"],
        points=comment_points_total(comments=totals["others"], upvotes=totals["others_score"] or 0),
        latest=totals["latest"],
    )
