"""What moderators do: remove, restore, dismiss flags, edit a title or tags, suspend or ban a
member and lift it. Each action takes the item's row lock, checks its state and writes its entry
in the public moderation log in the same transaction, so when two moderators act on one item at
once one wins and the other is told what happened (`ModerationConflict`; docs/moderation.md).

Removals are posts' and discussion's own services (`post_remove`, `comment_remove`), also
reached from the post page, the thread and the API; their signals bring them here
(`removal_log`)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.timesince import timesince

from accounts.models import BANNED_FOREVER, User
from accounts.services import SuspensionRefused, user_reinstate, user_suspend
from core.text import text_problem
from discussion.models import Comment
from discussion.services.comments import comment_remove
from discussion.services.errors import CommentActionNotAllowed, CommentRejected
from discussion.services.moderation import (
    comment_flags_clear,
    comment_lock,
    comment_restore,
    comments_move,
)
from moderation.models import Flag, ModerationAction
from posts.models import Post, Tag
from posts.services.errors import PostActionNotAllowed, PostRejected
from posts.services.moderation import (
    post_flags_clear,
    post_lock,
    post_merge,
    post_restore,
    post_title_tags_set,
    posts_lock,
)
from posts.services.submission import post_remove

REASON_MAX_LENGTH = 300
Kind = ModerationAction.Kind


class ModerationRefused(Exception):
    """The action is not possible as asked (no reason given, a title too short); `field` names
    the form field the message belongs to ("" for the whole form)."""

    def __init__(self, message: str, *, field: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class ModerationConflict(ModerationRefused):
    """The item is no longer in the state the moderator saw: another moderator acted first (or
    its author did). The message says what happened and, when the log knows, who did it."""


def _check_moderator(moderator: User) -> None:
    if not moderator.is_staff:
        raise PermissionDenied("Only moderators do this.")


def _reason(reason: str, *, required: bool) -> str:
    reason = " ".join(reason.split())
    if required and not reason:
        raise ModerationRefused("Give a reason: it is shown in the public log.", field="reason")
    if len(reason) > REASON_MAX_LENGTH:
        raise ModerationRefused(
            f"Keep the reason to {REASON_MAX_LENGTH} characters.", field="reason"
        )
    if problem := text_problem(reason):
        raise ModerationRefused(problem, field="reason")
    return reason


def _conflict(message: str, **item: object) -> ModerationConflict:
    """The conflict, with the latest logged action on the item when there is one."""
    latest = ModerationAction.objects.filter(**item).select_related("moderator").first()
    if latest is not None:
        who = latest.moderator.username if latest.moderator else "a moderator"
        when = timesince(latest.created_at).replace("\xa0", " ")
        message = f"{message} {who} {latest.get_kind_display()} {when} ago."
    return ModerationConflict(message)


def _log(
    *,
    moderator: User | None,
    kind: str,
    reason: str = "",
    details: str = "",
    post: Post | None = None,
    comment: Comment | None = None,
    member: User | None = None,
) -> ModerationAction:
    return ModerationAction.objects.create(
        moderator=moderator,
        kind=kind,
        reason=reason,
        details=details[:1000],
        post=post,
        comment=comment,
        member=member,
    )


def _flags_settle(*, post: Post | None = None, comment: Comment | None = None) -> int:
    """Mark the item's open flags reviewed: a moderator decided. Returns how many."""
    target = {"post": post} if post is not None else {"comment": comment}
    return Flag.objects.filter(**target, dismissed_at__isnull=True).update(
        dismissed_at=timezone.now()
    )


# Posts.


@transaction.atomic
def moderation_post_remove(*, moderator: User, post: Post, reason: str) -> None:
    """Remove `post` with `reason` (required, shown on the post's page and in the log). Its open
    flags are settled and the log records it (through `removal_log`). Raises ModerationConflict
    when the post is already gone."""
    _check_moderator(moderator)
    reason = _reason(reason, required=True)
    try:
        post_remove(post=post, moderator=moderator, reason=reason)
    except PermissionDenied as exc:
        raise _conflict(str(exc), post=post) from None
    except PostRejected as exc:
        raise ModerationRefused(exc.message, field="reason") from None


@transaction.atomic
def moderation_post_restore(*, moderator: User, post: Post, reason: str = "") -> None:
    """Publish a post a moderator removed, with no hold; its flags are settled. Raises
    ModerationConflict when it is not removed (another moderator restored it) or its author
    deleted it."""
    _check_moderator(moderator)
    reason = _reason(reason, required=False)
    locked = post_lock(post_id=post.pk)
    try:
        post_restore(post=locked)
    except PostActionNotAllowed as exc:
        raise _conflict(str(exc), post=post) from None
    if locked.flag_count or locked.held:
        post_flags_clear(post=locked)
    _flags_settle(post=locked)
    _log(moderator=moderator, kind=Kind.POST_RESTORED, reason=reason, post=locked)


@transaction.atomic
def moderation_post_flags_dismiss(*, moderator: User, post: Post, reason: str = "") -> None:
    """The flags on `post` need nothing more: they stop counting against its hotness, its hold
    ends and it returns to the hot feed. Raises ModerationConflict when there are none (another
    moderator dismissed them)."""
    _check_moderator(moderator)
    reason = _reason(reason, required=False)
    locked = post_lock(post_id=post.pk)
    try:
        post_flags_clear(post=locked)
    except PostActionNotAllowed as exc:
        raise _conflict(str(exc), post=post) from None
    count = _flags_settle(post=locked)
    _log(
        moderator=moderator,
        kind=Kind.POST_FLAGS_DISMISSED,
        reason=reason,
        details=f"{count} flag{'s' if count != 1 else ''}",
        post=locked,
    )


@transaction.atomic
def moderation_post_edit(
    *, moderator: User, post: Post, title: str, tags: Sequence[Tag], reason: str = ""
) -> bool:
    """Give `post` a better title or tags; the log shows before and after. Returns False when
    nothing changed. Raises ModerationRefused (field `title` or `tags`) for what the posting
    rules refuse, and ModerationConflict for a post that is no longer published."""
    _check_moderator(moderator)
    reason = _reason(reason, required=False)
    locked = post_lock(post_id=post.pk)
    if not locked.is_published:
        raise _conflict("This post is not published any more.", post=post)
    try:
        edit = post_title_tags_set(post=locked, title=title, tags=tags)
    except PostRejected as exc:
        field, messages = next(iter(exc.errors.items()))
        raise ModerationRefused(" ".join(messages), field=field) from None
    if not edit.changed:
        return False
    changes = []
    if edit.old_title != edit.new_title:
        changes.append(f"title: “{edit.old_title}” → “{edit.new_title}”")
    if edit.old_tags != edit.new_tags:
        changes.append(f"tags: {' '.join(edit.old_tags)} → {' '.join(edit.new_tags)}")
    _log(
        moderator=moderator,
        kind=Kind.POST_EDITED,
        reason=reason,
        details="; ".join(changes),
        post=locked,
    )
    return True


@transaction.atomic
def moderation_post_merge(
    *, moderator: User, post: Post, into: Post | None, reason: str = ""
) -> Post:
    """Merge `post` into `into`, a story on the same subject (docs/moderation.md#merging): its
    comments move under `into` with their threads, its votes count in `into`'s hotness, its page
    and its link redirect there, and the duplicate detector treats its link as `into`'s. Its open
    flags are settled and the log records it. Returns the story it went into.

    Raises ModerationRefused (field `into`) for no such story, the post itself or a story that
    is not published, and ModerationConflict when `post` is no longer published (another
    moderator merged or removed it first)."""
    _check_moderator(moderator)
    reason = _reason(reason, required=False)
    if into is None:
        raise ModerationRefused(
            "There is no such story: give its short id or the address of its page.", field="into"
        )
    locked = posts_lock(post_ids=[post.pk, into.pk])
    source, target = locked[post.pk], locked[into.pk]
    try:
        post_merge(post=source, into=target)
    except PostActionNotAllowed as exc:
        raise _conflict(str(exc), post=post) from None
    except PostRejected as exc:
        raise ModerationRefused(" ".join(exc.errors["into"]), field="into") from None
    comments_move(source=source, target=target)
    count = _flags_settle(post=source)
    details = f"into “{target.title}” ({target.short_id})"
    if count:
        details += f"; {count} flag{'s' if count != 1 else ''} settled"
    _log(moderator=moderator, kind=Kind.POST_MERGED, reason=reason, details=details, post=source)
    return target


# Comments.


@transaction.atomic
def moderation_comment_remove(*, moderator: User, comment: Comment, reason: str) -> None:
    """Remove `comment` with `reason` (shown in its place and in the log); its open flags are
    settled (through `removal_log`). Raises ModerationConflict when it is already gone."""
    _check_moderator(moderator)
    reason = _reason(reason, required=True)
    locked = comment_lock(comment_id=comment.pk)
    if not locked.is_published:
        raise _conflict("This comment is already gone.", comment=comment)
    try:
        comment_remove(comment=locked, moderator=moderator, reason=reason)
    except CommentActionNotAllowed as exc:
        raise _conflict(str(exc), comment=comment) from None
    except CommentRejected as exc:
        raise ModerationRefused(exc.message, field="reason") from None


@transaction.atomic
def moderation_comment_restore(*, moderator: User, comment: Comment, reason: str = "") -> None:
    """Publish a comment a moderator removed; its flags are settled. Raises ModerationConflict
    when it is not removed."""
    _check_moderator(moderator)
    reason = _reason(reason, required=False)
    locked = comment_lock(comment_id=comment.pk)
    try:
        comment_restore(comment=locked)
    except CommentActionNotAllowed as exc:
        raise _conflict(str(exc), comment=comment) from None
    if locked.flag_count:
        comment_flags_clear(comment=locked)
    _flags_settle(comment=locked)
    _log(moderator=moderator, kind=Kind.COMMENT_RESTORED, reason=reason, comment=locked)


@transaction.atomic
def moderation_comment_flags_dismiss(
    *, moderator: User, comment: Comment, reason: str = ""
) -> None:
    """The flags on `comment` need nothing more: they stop counting as down votes. Raises
    ModerationConflict when there are none."""
    _check_moderator(moderator)
    reason = _reason(reason, required=False)
    locked = comment_lock(comment_id=comment.pk)
    try:
        comment_flags_clear(comment=locked)
    except CommentActionNotAllowed as exc:
        raise _conflict(str(exc), comment=comment) from None
    count = _flags_settle(comment=locked)
    _log(
        moderator=moderator,
        kind=Kind.COMMENT_FLAGS_DISMISSED,
        reason=reason,
        details=f"{count} flag{'s' if count != 1 else ''}",
        comment=locked,
    )


def removal_log(
    *, moderator: User, reason: str, post: Post | None = None, comment: Comment | None = None
) -> None:
    """A moderator removed a post or a comment (posts' and discussion's signals, inside the
    removal's transaction): settle its flags and log it."""
    if post is not None:
        if post.flag_count or post.held:
            post_flags_clear(post=post_lock(post_id=post.pk))
        _flags_settle(post=post)
        _log(moderator=moderator, kind=Kind.POST_REMOVED, reason=reason, post=post)
    elif comment is not None:
        locked = comment_lock(comment_id=comment.pk)
        if locked.flag_count:
            comment_flags_clear(comment=locked)
        _flags_settle(comment=locked)
        _log(moderator=moderator, kind=Kind.COMMENT_REMOVED, reason=reason, comment=locked)


# Members.


@transaction.atomic
def moderation_member_suspend(
    *, moderator: User, member: User, days: int | None, reason: str
) -> None:
    """Suspend `member` for `days` days, or ban them for good (`days` None), for `reason`
    (required, shown to them and in the log). Raises ModerationRefused for a moderator
    suspending themselves or a staff account, and ModerationConflict when the member is already
    suspended."""
    _check_moderator(moderator)
    reason = _reason(reason, required=True)
    if member.pk == moderator.pk:
        raise ModerationRefused("You cannot suspend yourself.")
    until: datetime = BANNED_FOREVER if days is None else timezone.now() + timedelta(days=days)
    try:
        suspended = user_suspend(user=member, until=until, reason=reason)
    except SuspensionRefused as exc:
        if User.objects.get(pk=member.pk).is_suspended:
            raise _conflict(exc.message, member=member) from None
        raise ModerationRefused(exc.message) from None
    if days is None:
        _log(moderator=moderator, kind=Kind.MEMBER_BANNED, reason=reason, member=suspended)
    else:
        until_text = f"{until:%b} {until.day}, {until:%Y}"
        _log(
            moderator=moderator,
            kind=Kind.MEMBER_SUSPENDED,
            reason=reason,
            details=f"for {days} day{'s' if days != 1 else ''}, until {until_text}",
            member=suspended,
        )


@transaction.atomic
def moderation_member_reinstate(*, moderator: User, member: User, reason: str = "") -> None:
    """Lift `member`'s suspension or ban. Raises ModerationConflict when there is none."""
    _check_moderator(moderator)
    reason = _reason(reason, required=False)
    try:
        reinstated = user_reinstate(user=member)
    except SuspensionRefused as exc:
        raise _conflict(exc.message, member=member) from None
    _log(moderator=moderator, kind=Kind.MEMBER_REINSTATED, reason=reason, member=reinstated)
