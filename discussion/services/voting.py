"""Upvotes on comments. The comment's score and confidence, its post's comment points and its
author's karma are stored in the vote's transaction (locks: the comment's row, then the post's;
docs/moderation.md#karma)."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import F

from accounts.models import User
from discussion.models import Comment, CommentVote
from discussion.ranking import confidence
from discussion.services.errors import CommentActionNotAllowed
from posts.services.discussion import post_discussion_update


def _rescore(*, comment: Comment, delta: int) -> None:
    # The comment's row only (`of`): the join would lock the post's too, before the author's row
    # that karma updates, the reverse of the order votes on posts and new comments take them in
    # (author, then post: docs/moderation.md#karma), and they would deadlock.
    locked = (
        Comment.objects.select_for_update(of=("self",))
        .select_related("post")
        .only("score", "flag_count", "author_id", "post__author_id")
        .get(pk=comment.pk)
    )
    comment.score = max(0, locked.score + delta)
    comment.confidence = confidence(ups=comment.score, downs=locked.flag_count)
    Comment.objects.filter(pk=comment.pk).update(score=comment.score, confidence=comment.confidence)
    if locked.author_id is not None:
        # One UPDATE: concurrent votes on one member's comments never lose an increment.
        User.objects.filter(pk=locked.author_id).update(karma=F("karma") + delta)
    if locked.author_id != locked.post.author_id:
        # Half a point a vote towards the post's hotness (discussion/ranking.py).
        post_discussion_update(post_id=locked.post_id, points_delta=0.5 * delta)


@transaction.atomic
def comment_vote_cast(*, user: User, comment: Comment) -> bool:
    """Upvote `comment` for `user`. Returns False if they had already voted (nothing changes).
    Refused (CommentActionNotAllowed) on one's own comment, a comment that is gone, and for a
    member whose email address is not verified."""
    if comment.author_id == user.pk:
        raise CommentActionNotAllowed("You cannot vote on your own comment.")
    if not user.is_verified:
        raise CommentActionNotAllowed("Verify your email address before voting.")
    if user.is_suspended:
        raise CommentActionNotAllowed(user.suspension_notice)
    if not comment.is_published:
        raise CommentActionNotAllowed("This comment is not open for votes.")
    try:
        with transaction.atomic():
            CommentVote.objects.create(user=user, comment=comment)
    except IntegrityError:
        return False
    _rescore(comment=comment, delta=1)
    return True


@transaction.atomic
def comment_vote_remove(*, user: User, comment: Comment) -> bool:
    """Take back `user`'s upvote. Returns False if there was none."""
    deleted, _ = CommentVote.objects.filter(user=user, comment=comment).delete()
    if not deleted:
        return False
    _rescore(comment=comment, delta=-1)
    return True
