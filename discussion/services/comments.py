"""Writing comments: create (with its notifications), edit within the window, delete by the
author, removal by staff. Each keeps the post's stored comment count, latest-comment time and
comment points in step, in the same transaction (docs/discussion.md)."""

from __future__ import annotations

import math
import secrets
import string
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Max
from django.utils import timezone

from accounts.models import User
from core.markdown import render_markdown
from core.text import duration_text, text_problem
from discussion.models import (
    COMMENT_BODY_MAX_LENGTH,
    MAX_DEPTH,
    REMOVED_REASON_MAX_LENGTH,
    Comment,
)
from discussion.ranking import comment_points
from discussion.services.errors import CommentActionNotAllowed, CommentRejected
from discussion.services.notifications import notifications_for_new_comment
from discussion.signals import comment_removed
from posts.models import Post
from posts.services.discussion import post_discussion_update

SHORT_ID_ALPHABET = string.ascii_lowercase + string.digits
SHORT_ID_LENGTH = 7


def _short_id() -> str:
    return "".join(secrets.choice(SHORT_ID_ALPHABET) for _ in range(SHORT_ID_LENGTH))


def comment_body_clean(body: str) -> str:
    """The body as it will be stored, or CommentRejected with what is wrong with it."""
    body = body.strip()
    if not body:
        raise CommentRejected("Write something first.")
    if len(body) > COMMENT_BODY_MAX_LENGTH:
        raise CommentRejected(
            f"Keep comments to {COMMENT_BODY_MAX_LENGTH:,} characters (this one has {len(body):,})."
        )
    problem = text_problem(body, multiline=True)
    if problem:
        raise CommentRejected(problem)
    return body


def _points(comment: Comment, post: Post) -> float:
    """What `comment` adds to its post's comment points: nothing for the submitter's own."""
    if comment.author_id is not None and comment.author_id == post.author_id:
        return 0.0
    return comment_points(score=comment.score)


def _check_rate_limits(*, author: User) -> None:
    """Everyone's daily cap, and new accounts' pace. The caller holds the author's row lock, so
    two comments of one author cannot both slip under a limit."""
    now = timezone.now()
    day = timedelta(days=1)
    recent = Comment.objects.filter(author=author, created_at__gte=now - day).aggregate(
        count=Count("id"), latest=Max("created_at")
    )
    if recent["count"] >= settings.DISCUSSION_DAILY_LIMIT:
        oldest = (
            Comment.objects.filter(author=author, created_at__gte=now - day)
            .order_by("created_at")
            .values_list("created_at", flat=True)
            .first()
        )
        wait = ((oldest or now) + day - now).total_seconds()
        raise CommentRejected(
            f"You have written {settings.DISCUSSION_DAILY_LIMIT} comments today, the limit. "
            f"You can comment again in {duration_text(wait)}.",
            code="rate_limited",
            retry_after=math.ceil(wait),
        )
    new_account = author.date_joined > now - timedelta(days=settings.POST_NEW_ACCOUNT_DAYS)
    interval = timedelta(seconds=settings.DISCUSSION_NEW_ACCOUNT_INTERVAL_SECONDS)
    latest = recent["latest"]
    if new_account and latest is not None and latest > now - interval:
        wait = (latest + interval - now).total_seconds()
        raise CommentRejected(
            f"New accounts can comment once every {duration_text(interval.total_seconds())} "
            f"during their first {settings.POST_NEW_ACCOUNT_DAYS} days. "
            f"You can comment again in {duration_text(wait)}.",
            code="rate_limited",
            retry_after=math.ceil(wait),
        )


@transaction.atomic
def comment_create(
    *, author: User, post: Post, body: str, parent: Comment | None = None
) -> Comment:
    """Publish `author`'s comment on `post`, as a reply to `parent` when given, and notify who
    it answers or mentions.

    Refuses with CommentRejected, saving nothing: an unverified author; a post that is not
    published; a parent on another post, deleted or removed, or at the deepest level; an empty,
    over-long or control-character body; a member over a rate limit. The same text from the
    same author in the same place within DISCUSSION_DUPLICATE_SECONDS is a double submit: the
    first comment is returned and nothing new is written.
    """
    if author.is_suspended:
        # Refused like an unverified member (403 in the API): docs/moderation.md#bans.
        raise CommentRejected(author.suspension_notice, code="unverified")
    if not author.is_active or not author.is_verified:
        raise CommentRejected(
            "Verify your email address before commenting: follow the link we emailed.",
            code="unverified",
        )
    if not post.is_published:
        raise CommentRejected("This post takes no new comments.", code="closed")
    if parent is not None:
        if parent.post_id != post.pk:
            raise CommentRejected("That comment belongs to another post.", code="closed")
        if not parent.is_published:
            raise CommentRejected("That comment is gone; reply to another one.", code="closed")
        if parent.depth >= MAX_DEPTH:
            raise CommentRejected(
                "This thread is as deep as it goes; reply to a comment higher up.",
                code="closed",
            )
    body = comment_body_clean(body)
    # Serialize this author's comments: the rate limits and the double-submit check count rows.
    User.objects.select_for_update().filter(pk=author.pk).first()
    window = timezone.now() - timedelta(seconds=settings.DISCUSSION_DUPLICATE_SECONDS)
    twin = Comment.objects.filter(
        author=author, post=post, parent=parent, body=body, created_at__gte=window
    ).first()
    if twin is not None:
        return twin
    _check_rate_limits(author=author)
    comment = Comment(
        post=post,
        author=author,
        parent=parent,
        depth=parent.depth + 1 if parent is not None else 0,
        body=body,
        body_html=render_markdown(body),
        created_at=timezone.now(),
    )
    for _ in range(5):
        comment.short_id = _short_id()
        if not Comment.objects.filter(short_id=comment.short_id).exists():
            break
    comment.save(force_insert=True)
    post_discussion_update(
        post_id=post.pk,
        count_delta=1,
        points_delta=_points(comment, post),
        commented_at=comment.created_at,
    )
    notifications_for_new_comment(comment=comment, post=post, parent=parent)
    return comment


def comment_get_for_edit(*, short_id: str, user: User, action: str) -> Comment:
    """The comment `user` wants to edit, delete or remove, or CommentActionNotAllowed with why
    not (Comment.DoesNotExist when there is none)."""
    comment = Comment.objects.select_related("post").get(short_id=short_id)
    if action in ("edit", "delete") and comment.is_authored_by(user) and not comment.is_published:
        # Its author is told what happened, not that the comment is someone else's.
        raise CommentActionNotAllowed("This comment is already gone.")
    if action == "edit" and not comment.is_editable_by(user):
        if not comment.is_authored_by(user):
            raise CommentActionNotAllowed("You can only edit your own comments.")
        window = duration_text(settings.DISCUSSION_EDIT_WINDOW_SECONDS)
        raise CommentActionNotAllowed(f"Comments can be edited for {window}; that time is up.")
    if action == "delete" and not comment.is_deletable_by(user):
        raise CommentActionNotAllowed("You can only delete your own comments.")
    if action == "remove" and not comment.is_removable_by(user):
        raise CommentActionNotAllowed("Only moderators remove comments.")
    return comment


@transaction.atomic
def comment_edit(*, comment: Comment, editor: User, body: str) -> Comment:
    """Replace the text of `editor`'s own comment within DISCUSSION_EDIT_WINDOW_SECONDS; it is
    marked edited. Mentions added by an edit notify nobody (a notification follows a comment
    once, when it is written)."""
    comment = Comment.objects.select_for_update().get(pk=comment.pk)
    if not comment.is_editable_by(editor):
        raise CommentActionNotAllowed("This comment can no longer be edited.")
    comment.body = comment_body_clean(body)
    comment.body_html = render_markdown(comment.body)
    comment.edited_at = timezone.now()
    comment.save(update_fields=["body", "body_html", "edited_at"])
    return comment


def _take_down(*, comment: Comment, status: str, by: User, reason: str = "") -> Comment:
    locked = Comment.objects.select_for_update().select_related("post").get(pk=comment.pk)
    if not locked.is_published:
        raise CommentActionNotAllowed("This comment is already gone.")
    post = locked.post
    points = _points(locked, post)
    locked.status = status
    locked.removed_by = by
    locked.removed_reason = reason
    fields = ["status", "removed_by", "removed_reason"]
    if status == Comment.Status.DELETED:
        locked.body = locked.body_html = ""
        fields += ["body", "body_html"]
    locked.save(update_fields=fields)
    post_discussion_update(post_id=post.pk, count_delta=-1, points_delta=-points)
    return locked


@transaction.atomic
def comment_delete(*, comment: Comment, user: User) -> Comment:
    """The author deletes their comment: its text goes, the replies stay, and the thread shows
    "[deleted]" in its place."""
    if not comment.is_deletable_by(user):
        raise CommentActionNotAllowed("You can only delete your own comments.")
    return _take_down(comment=comment, status=Comment.Status.DELETED, by=user)


@transaction.atomic
def comment_remove(*, comment: Comment, moderator: User, reason: str) -> Comment:
    """Staff remove a comment with a reason shown in its place; the text is kept, hidden, for
    review."""
    if not comment.is_removable_by(moderator):
        raise CommentActionNotAllowed("Only moderators remove comments.")
    reason = " ".join(reason.split())
    if not reason or len(reason) > REMOVED_REASON_MAX_LENGTH:
        raise CommentRejected(
            f"Give a reason of at most {REMOVED_REASON_MAX_LENGTH} characters.", code="invalid"
        )
    problem = text_problem(reason)
    if problem:
        raise CommentRejected(problem)
    removed = _take_down(
        comment=comment, status=Comment.Status.REMOVED, by=moderator, reason=reason
    )
    comment_removed.send(sender=Comment, comment=removed, moderator=moderator, reason=reason)
    return removed
