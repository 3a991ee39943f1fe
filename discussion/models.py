"""Discussion under posts: threaded comments and their votes, reply and mention notifications,
what a member chose to be emailed about, and threads they muted (docs/discussion.md)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

COMMENT_BODY_MAX_LENGTH = 10_000
# Replies nest this deep at most (a database constraint); a reply to the deepest comment is
# refused with a message to answer higher up.
MAX_DEPTH = 12
REMOVED_REASON_MAX_LENGTH = 300


class Comment(models.Model):
    """One comment on a post, a reply to the post (no parent) or to another comment of the same
    post (the database refuses a parent on another post: migration 0002). The Markdown is kept
    as written and as sanitized HTML; score counts upvotes, `confidence` (the Wilson lower
    bound of the votes, discussion/ranking.py) orders siblings and is stored, like the score,
    in the vote's transaction."""

    class Status(models.TextChoices):
        PUBLISHED = "published", "Published"
        DELETED = "deleted", "Deleted by its author"
        REMOVED = "removed", "Removed by a moderator"

    short_id = models.CharField(max_length=10, unique=True, editable=False)
    post = models.ForeignKey("posts.Post", on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="comments",
    )
    parent = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="replies"
    )
    depth = models.PositiveSmallIntegerField(default=0)
    body = models.TextField(max_length=COMMENT_BODY_MAX_LENGTH)
    body_html = models.TextField(blank=True, editable=False)
    score = models.IntegerField(default=0)
    confidence = models.FloatField(default=0.0)
    # Readers' flags no moderator has dismissed; each counts as a down vote in `confidence`
    # (discussion/services/moderation.py, docs/moderation.md#flags).
    flag_count = models.PositiveIntegerField(default=0)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PUBLISHED)
    removed_reason = models.CharField(max_length=REMOVED_REASON_MAX_LENGTH, blank=True)
    removed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now)
    edited_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            # A thread in one query; the composite FK on (post, parent) uses it too.
            models.Index(fields=["post", "created_at"], name="comment_post_idx"),
            # /comments/ and its feed, newest first (keyset on created_at, id).
            models.Index(
                fields=["-created_at", "-id"],
                condition=Q(status="published"),
                name="comment_newest_idx",
            ),
            # The moderation queue: flagged comments, most flagged first.
            models.Index(
                fields=["-flag_count", "-id"],
                condition=Q(flag_count__gt=0),
                name="comment_flagged_idx",
            ),
            # A member's comments tab, and the rate limits' count of recent comments.
            models.Index(fields=["author", "-created_at", "-id"], name="comment_author_idx"),
        ]
        constraints = [
            # The (post, id) pair is what a reply's (post, parent) refers to, so a reply can
            # only point at a comment of its own post.
            models.UniqueConstraint(fields=["post", "id"], name="comment_post_id_unique"),
            models.CheckConstraint(
                condition=Q(depth__lte=MAX_DEPTH),
                name="comment_depth_limit",
            ),
            models.CheckConstraint(
                condition=(Q(parent__isnull=True) & Q(depth=0))
                | (Q(parent__isnull=False) & Q(depth__gt=0)),
                name="comment_depth_matches_parent",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["published", "deleted", "removed"]),
                name="comment_status_valid",
            ),
            models.CheckConstraint(condition=Q(score__gte=0), name="comment_score_not_negative"),
            # Deleting takes the author's words away; a moderator's removal keeps them (hidden)
            # for review.
            models.CheckConstraint(
                condition=~Q(status="deleted") | Q(body=""),
                name="comment_deleted_has_no_text",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.short_id} on {self.post_id}"

    def get_absolute_url(self) -> str:
        return reverse("discussion:comment", kwargs={"short_id": self.short_id})

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED

    @property
    def anchor(self) -> str:
        return f"c-{self.short_id}"

    def is_authored_by(self, user: Any) -> bool:
        return bool(getattr(user, "is_authenticated", False)) and self.author_id == user.pk

    @property
    def edit_window_open(self) -> bool:
        window = settings.DISCUSSION_EDIT_WINDOW_SECONDS
        return self.is_published and (timezone.now() - self.created_at).total_seconds() < window

    def is_editable_by(self, user: Any) -> bool:
        return self.is_authored_by(user) and self.edit_window_open

    def is_deletable_by(self, user: Any) -> bool:
        return self.is_authored_by(user) and self.is_published

    def is_removable_by(self, user: Any) -> bool:
        return bool(getattr(user, "is_staff", False)) and self.is_published


class CommentVote(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="comment_votes"
    )
    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="votes")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "comment"], name="commentvote_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user} ▲ {self.comment_id}"


class Notification(models.Model):
    """Someone answered the recipient (their post or comment) or mentioned them. One per
    recipient and comment: a reply that also mentions its recipient is one reply."""

    class Kind(models.TextChoices):
        REPLY = "reply", "Reply"
        MENTION = "mention", "Mention"

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=10, choices=Kind.choices)
    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="notifications")
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["recipient", "-created_at", "-id"], name="notification_inbox_idx"),
            models.Index(
                fields=["recipient"],
                condition=Q(read_at__isnull=True),
                name="notification_unread_idx",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "comment"], name="notification_once_per_comment"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=["reply", "mention"]), name="notification_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} for {self.recipient_id}: {self.comment_id}"

    @property
    def is_unread(self) -> bool:
        return self.read_at is None


class NotificationPreference(models.Model):
    """What a member is emailed about. No row means the defaults: both on."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preference"
    )
    email_replies = models.BooleanField(default=True)
    email_mentions = models.BooleanField(default=True)
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.user}: replies {self.email_replies}, mentions {self.email_mentions}"

    def emails(self, kind: str) -> bool:
        return self.email_replies if kind == Notification.Kind.REPLY else self.email_mentions


class ThreadMute(models.Model):
    """A member asked for no more notifications from a post's discussion."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="thread_mutes"
    )
    post = models.ForeignKey("posts.Post", on_delete=models.CASCADE, related_name="mutes")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "post"], name="threadmute_unique")]

    def __str__(self) -> str:
        return f"{self.user} muted {self.post_id}"
