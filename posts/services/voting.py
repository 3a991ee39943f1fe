"""Votes. Score and hotness are stored on the post and updated in the vote's transaction."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import F

from accounts.models import User
from posts.models import Post, Vote
from posts.ranking import hotness
from posts.services.errors import PostActionNotAllowed


class VoteNotAllowed(PostActionNotAllowed):
    """The user may not vote on this post (their own, or not published)."""


def _post_rescore(*, post: Post, delta: int) -> None:
    """Apply a score change and recompute hotness in the caller's transaction."""
    Post.objects.filter(pk=post.pk).update(score=F("score") + delta)
    post.refresh_from_db(fields=["score", "published_at"])
    post.hotness = hotness(score=post.score, published_at=post.published_at)
    post.save(update_fields=["hotness"])


@transaction.atomic
def vote_cast(*, user: User, post: Post) -> bool:
    """Upvote `post` for `user`. Returns False if they had already voted (nothing changes).

    Refused (VoteNotAllowed) on the voter's own post, a post that is not published, and for a
    voter whose email address is not verified.

    Score and hotness are updated in the same transaction, so feed pages never count votes.
    """
    if post.author_id == user.pk:
        raise VoteNotAllowed("You cannot vote on your own post.")
    if not user.is_verified:
        raise VoteNotAllowed("Verify your email address before voting.")
    if post.status != Post.Status.PUBLISHED:
        raise VoteNotAllowed("This post is not open for votes.")
    # Lock the post row so concurrent votes serialize their score updates.
    Post.objects.select_for_update().filter(pk=post.pk).first()
    try:
        with transaction.atomic():
            Vote.objects.create(user=user, post=post)
    except IntegrityError:
        return False
    _post_rescore(post=post, delta=1)
    return True


@transaction.atomic
def vote_remove(*, user: User, post: Post) -> bool:
    """Withdraw `user`'s vote. Returns False if there was none."""
    Post.objects.select_for_update().filter(pk=post.pk).first()
    deleted, _ = Vote.objects.filter(user=user, post=post).delete()
    if not deleted:
        return False
    _post_rescore(post=post, delta=-1)
    return True
