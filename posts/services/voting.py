"""Votes. Score and hotness are stored on the post, and karma on its author, all updated in the
vote's transaction (docs/moderation.md#karma)."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import F

from accounts.models import User
from posts.models import Post, Vote
from posts.ranking import hotness
from posts.services.errors import PostActionNotAllowed


class VoteNotAllowed(PostActionNotAllowed):
    """The user may not vote on this post (their own, or not published)."""


def _post_lock(*, post: Post) -> Post:
    """Lock the post's row, so concurrent votes serialize their score updates, and read the
    score and publication time the new hotness depends on."""
    return (
        Post.objects.select_for_update()
        .only(
            "status",
            "score",
            "published_at",
            "comment_points",
            "flag_count",
            "merged_score",
            "merged_into",
        )
        .get(pk=post.pk)
    )


def _karma_add(*, author_id: int | None, delta: int) -> None:
    """One UPDATE, so concurrent votes on one member's posts never lose an increment."""
    if author_id is not None and delta:
        User.objects.filter(pk=author_id).update(karma=F("karma") + delta)


def _post_rescore(*, post: Post, locked: Post, delta: int) -> None:
    """Apply a score change and the hotness that follows from it in one UPDATE, in the caller's
    transaction (which holds the row lock `locked` came from)."""
    post.score = locked.score + delta
    post.published_at = locked.published_at
    post.hotness = hotness(
        score=post.score,
        published_at=post.published_at,
        comment_points=locked.comment_points,
        flags=locked.flag_count,
        merged=locked.merged_score,
    )
    Post.objects.filter(pk=post.pk).update(score=post.score, hotness=post.hotness)


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
    if user.is_suspended:
        raise VoteNotAllowed(user.suspension_notice)
    if post.status != Post.Status.PUBLISHED:
        raise VoteNotAllowed("This post is not open for votes.")
    try:
        with transaction.atomic():
            # Rows are locked in the order every write takes them, the author's before the
            # post's (docs/moderation.md#karma), so a vote and a comment never wait on each other
            # in a circle. A second vote rolls the savepoint, and the karma with it, back.
            _karma_add(author_id=post.author_id, delta=1)
            locked = _post_lock(post=post)
            if locked.status != Post.Status.PUBLISHED:
                # Merged or removed since the caller read it: the savepoint takes karma back.
                raise VoteNotAllowed("This post is not open for votes.")
            Vote.objects.create(user=user, post=post)
    except IntegrityError:
        return False
    _post_rescore(post=post, locked=locked, delta=1)
    return True


def submitter_vote_cast(*, post: Post) -> None:
    """The submitter's own upvote on their new post, as Hacker News and Lobsters start every
    story: a vote row and one point, and no karma (one's own vote never counts). Called by
    `post_submit` in its transaction, before anyone else can see the post."""
    if post.author_id is None:
        return
    Vote.objects.create(user_id=post.author_id, post=post)
    post.score += 1
    post.hotness = hotness(
        score=post.score,
        published_at=post.published_at,
        comment_points=post.comment_points,
        flags=post.flag_count,
    )
    Post.objects.filter(pk=post.pk).update(score=post.score, hotness=post.hotness)


@transaction.atomic
def vote_remove(*, user: User, post: Post) -> bool:
    """Withdraw `user`'s vote. Returns False if there was none. Refused (VoteNotAllowed) on the
    voter's own post: the upvote it started with stays."""
    if post.author_id == user.pk:
        raise VoteNotAllowed("You cannot vote on your own post.")
    return _vote_withdraw(user=user, post=post, merged_ok=False)


def _vote_withdraw(*, user: User, post: Post, merged_ok: bool = True) -> bool:
    """Withdraw the vote under the post's lock. `merged_ok`: an account being deleted takes its
    votes on merged posts back too; a member does not (they count in the target's ranking)."""
    karma = -1 if post.author_id != user.pk else 0  # one's own vote never counted
    _karma_add(author_id=post.author_id, delta=karma)
    locked = _post_lock(post=post)
    if locked.status == Post.Status.MERGED and not merged_ok:
        # The caller's transaction (vote_remove's) rolls the karma back with this.
        raise VoteNotAllowed("This post was merged into another story; its votes count there.")
    deleted, _ = Vote.objects.filter(user=user, post=post).delete()
    if not deleted:
        _karma_add(author_id=post.author_id, delta=-karma)
        return False
    _post_rescore(post=post, locked=locked, delta=-1)
    if locked.merged_into_id is not None:
        # The story it was merged into counts this vote in its merged score: take it back
        # there too (an account being deleted; docs/moderation.md#merging).
        _merged_score_add(post_id=locked.merged_into_id, delta=-1)
    return True


def _merged_score_add(*, post_id: int, delta: int) -> None:
    target = Post(pk=post_id)
    locked = _post_lock(post=target)
    locked.merged_score = max(0, locked.merged_score + delta)
    Post.objects.filter(pk=post_id).update(
        merged_score=locked.merged_score,
        hotness=hotness(
            score=locked.score,
            published_at=locked.published_at,
            comment_points=locked.comment_points,
            flags=locked.flag_count,
            merged=locked.merged_score,
        ),
    )


@transaction.atomic
def votes_withdraw_all(*, user: User) -> int:
    """Withdraw every vote `user` cast, rescoring each post (for an account being deleted).
    Returns how many votes went."""
    count = 0
    for vote in Vote.objects.filter(user=user).select_related("post"):
        count += _vote_withdraw(user=user, post=vote.post)
    return count
