"""Flags: members with enough karma flag a post or a comment, once each, and may take an open
flag back. The flagged row's counters (posts' and discussion's) change in the flag's
transaction, under the item's row lock (docs/moderation.md#flags)."""

from __future__ import annotations

from django.conf import settings
from django.db import IntegrityError, transaction

from accounts.models import User
from discussion.models import Comment
from discussion.services.moderation import comment_flags_store, comment_lock
from moderation.models import Flag
from moderation.services.errors import FlagNotAllowed
from posts.models import Post
from posts.services.moderation import post_flags_store, post_lock


def _check_flagger(user: User) -> None:
    if user.is_suspended:
        raise FlagNotAllowed(user.suspension_notice)
    if not user.is_active or not user.is_verified:
        raise FlagNotAllowed("Verify your email address before flagging.")
    needed = settings.MODERATION_FLAG_MIN_KARMA
    if user.karma < needed:
        raise FlagNotAllowed(
            f"Flagging opens at {needed} karma; you have {user.karma}. Karma is the upvotes "
            "others give your posts and comments."
        )


def _choices(reasons: tuple[Flag.Reason, ...]) -> str:
    labels = [str(reason.label).lower() for reason in reasons]
    return ", ".join(labels[:-1]) + " or " + labels[-1]


def _store_post_flags(*, post: Post, delta: int) -> None:
    post_flags_store(post=post, delta=delta, hold_at=settings.MODERATION_FLAG_HIDE_THRESHOLD)


@transaction.atomic
def post_flag(*, user: User, post: Post, reason: str) -> bool:
    """Flag `post` for `reason` (off-topic, already posted, broken link, spam). Returns False
    when `user` had already flagged it (nothing changes).

    Refused (FlagNotAllowed) for another reason, an unverified member, a member with less than
    MODERATION_FLAG_MIN_KARMA karma, one's own post and a post that is not published. The flag
    counts a point against the post's hotness, and the flag that brings its open flags to
    MODERATION_FLAG_HIDE_THRESHOLD holds it off the hot feed until a moderator decides.
    """
    if reason not in Flag.POST_REASONS:
        raise FlagNotAllowed(f"Choose why: {_choices(Flag.POST_REASONS)}.")
    _check_flagger(user)
    if post.author_id == user.pk:
        raise FlagNotAllowed("You cannot flag your own post.")
    locked = post_lock(post_id=post.pk)
    if not locked.is_published:
        raise FlagNotAllowed("This post is not open for flags.")
    try:
        with transaction.atomic():
            Flag.objects.create(user=user, post=locked, reason=reason)
    except IntegrityError:
        return False
    _store_post_flags(post=locked, delta=1)
    return True


@transaction.atomic
def post_unflag(*, user: User, post: Post) -> bool:
    """Take back `user`'s open flag on `post`. Returns False when there was none; refused
    (FlagNotAllowed) once a moderator has dismissed it."""
    locked = post_lock(post_id=post.pk)
    flag = Flag.objects.filter(user=user, post=locked).first()
    if flag is None:
        return False
    if not flag.is_open:
        raise FlagNotAllowed("A moderator has already reviewed your flag on this post.")
    flag.delete()
    _store_post_flags(post=locked, delta=-1)
    return True


@transaction.atomic
def comment_flag(*, user: User, comment: Comment, reason: str) -> bool:
    """Flag `comment` for `reason` (off-topic, unkind, spam, me-too). Returns False when `user`
    had already flagged it. Refused (FlagNotAllowed) as `post_flag` refuses; the flag counts as a
    down vote in the comment's confidence, which orders it among its siblings."""
    if reason not in Flag.COMMENT_REASONS:
        raise FlagNotAllowed(f"Choose why: {_choices(Flag.COMMENT_REASONS)}.")
    _check_flagger(user)
    if comment.author_id == user.pk:
        raise FlagNotAllowed("You cannot flag your own comment.")
    locked = comment_lock(comment_id=comment.pk)
    if not locked.is_published:
        raise FlagNotAllowed("This comment is not open for flags.")
    try:
        with transaction.atomic():
            Flag.objects.create(user=user, comment=locked, reason=reason)
    except IntegrityError:
        return False
    comment_flags_store(comment=locked, delta=1)
    return True


@transaction.atomic
def comment_unflag(*, user: User, comment: Comment) -> bool:
    """Take back `user`'s open flag on `comment`. Returns False when there was none; refused
    (FlagNotAllowed) once a moderator has dismissed it."""
    locked = comment_lock(comment_id=comment.pk)
    flag = Flag.objects.filter(user=user, comment=locked).first()
    if flag is None:
        return False
    if not flag.is_open:
        raise FlagNotAllowed("A moderator has already reviewed your flag on this comment.")
    flag.delete()
    comment_flags_store(comment=locked, delta=-1)
    return True


@transaction.atomic
def flags_withdraw_all(*, user: User) -> int:
    """Take back every open flag `user` raised, so counters stay true when the account goes
    (its flag rows go with it). Returns how many."""
    count = 0
    for flag in Flag.objects.filter(user=user, dismissed_at__isnull=True).order_by("id"):
        if flag.post_id is not None:
            locked_post = post_lock(post_id=flag.post_id)
            flag.delete()
            _store_post_flags(post=locked_post, delta=-1)
        elif flag.comment_id is not None:
            locked_comment = comment_lock(comment_id=flag.comment_id)
            flag.delete()
            comment_flags_store(comment=locked_comment, delta=-1)
        count += 1
    return count
