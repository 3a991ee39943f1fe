"""Flags readers raise on posts and comments, and the public log of what moderators did
(docs/moderation.md)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class Flag(models.Model):
    """A member's flag on one post or one comment, with why. Open until a moderator dismisses
    the flags on that item; a member flags an item once and may take an open flag back."""

    class Reason(models.TextChoices):
        OFF_TOPIC = "off-topic", "Off-topic"
        ALREADY_POSTED = "already-posted", "Already posted"
        BROKEN_LINK = "broken-link", "Broken link"
        SPAM = "spam", "Spam"
        UNKIND = "unkind", "Unkind"
        ME_TOO = "me-too", "Me-too"

    POST_REASONS = (Reason.OFF_TOPIC, Reason.ALREADY_POSTED, Reason.BROKEN_LINK, Reason.SPAM)
    COMMENT_REASONS = (Reason.OFF_TOPIC, Reason.UNKIND, Reason.SPAM, Reason.ME_TOO)

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="flags"
    )
    post = models.ForeignKey(
        "posts.Post", on_delete=models.CASCADE, null=True, blank=True, related_name="flags"
    )
    comment = models.ForeignKey(
        "discussion.Comment",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="flags",
    )
    reason = models.CharField(max_length=20, choices=Reason.choices)
    created_at = models.DateTimeField(default=timezone.now)
    dismissed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            # The queue's reasons for the flagged items: open flags of a post or a comment.
            models.Index(
                fields=["post"], condition=Q(dismissed_at__isnull=True), name="flag_post_open_idx"
            ),
            models.Index(
                fields=["comment"],
                condition=Q(dismissed_at__isnull=True),
                name="flag_comment_open_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(post__isnull=False, comment__isnull=True)
                | Q(post__isnull=True, comment__isnull=False),
                name="flag_exactly_one_target",
            ),
            models.UniqueConstraint(
                fields=["user", "post"], condition=Q(post__isnull=False), name="flag_post_once"
            ),
            models.UniqueConstraint(
                fields=["user", "comment"],
                condition=Q(comment__isnull=False),
                name="flag_comment_once",
            ),
            models.CheckConstraint(
                condition=Q(post__isnull=True)
                | Q(reason__in=["off-topic", "already-posted", "broken-link", "spam"]),
                name="flag_post_reason_valid",
            ),
            models.CheckConstraint(
                condition=Q(comment__isnull=True)
                | Q(reason__in=["off-topic", "unkind", "spam", "me-too"]),
                name="flag_comment_reason_valid",
            ),
        ]

    def __str__(self) -> str:
        target = f"post {self.post_id}" if self.post_id else f"comment {self.comment_id}"
        return f"{self.user} flagged {target}: {self.reason}"

    @property
    def is_open(self) -> bool:
        return self.dismissed_at is None


class ModerationAction(models.Model):
    """One thing a moderator did, shown in the public moderation log (/moderations/): who,
    what, when, why, and the item. It names members by username only: nothing private (no
    email, no address) is ever stored here."""

    class Kind(models.TextChoices):
        POST_REMOVED = "post-removed", "removed a post"
        POST_RESTORED = "post-restored", "restored a post"
        POST_FLAGS_DISMISSED = "post-flags-dismissed", "dismissed the flags on a post"
        POST_EDITED = "post-edited", "edited a post"
        POST_MERGED = "post-merged", "merged a post into another story"
        COMMENT_REMOVED = "comment-removed", "removed a comment"
        COMMENT_RESTORED = "comment-restored", "restored a comment"
        COMMENT_FLAGS_DISMISSED = "comment-flags-dismissed", "dismissed the flags on a comment"
        MEMBER_SUSPENDED = "member-suspended", "suspended a member"
        MEMBER_BANNED = "member-banned", "banned a member"
        MEMBER_REINSTATED = "member-reinstated", "lifted a member's suspension"
        POST_SUGGESTION_APPLIED = (
            "post-suggestion-applied",
            "applied members' suggested edit to a post",
        )

    moderator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    kind = models.CharField(max_length=30, choices=Kind.choices)
    post = models.ForeignKey(
        "posts.Post", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    comment = models.ForeignKey(
        "discussion.Comment",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="The member a suspension, ban or reinstatement is about.",
    )
    reason = models.CharField(max_length=300, blank=True)
    # What changed, in words: "title: “old” → “new”", "until Dec 6, 2026".
    details = models.CharField(max_length=1000, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # The log, newest first (keyset on created_at, id).
            models.Index(fields=["-created_at", "-id"], name="moderationaction_log_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    kind__in=[
                        "post-removed",
                        "post-restored",
                        "post-flags-dismissed",
                        "post-edited",
                        "post-merged",
                        "comment-removed",
                        "comment-restored",
                        "comment-flags-dismissed",
                        "member-suspended",
                        "member-banned",
                        "member-reinstated",
                        "post-suggestion-applied",
                    ]
                ),
                name="moderationaction_kind_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.moderator_id} {self.kind} at {self.created_at:%Y-%m-%d %H:%M}"


class Suggestion(models.Model):
    """A member's better title or tags for someone else's post. When MODERATION_SUGGESTION_QUORUM
    members suggest the same, it is applied and logged; until then the submitter sees them on
    their post (docs/moderation.md#suggested-edits)."""

    class Kind(models.TextChoices):
        TITLE = "title", "Title"
        TAGS = "tags", "Tags"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="suggestions"
    )
    post = models.ForeignKey("posts.Post", on_delete=models.CASCADE, related_name="suggestions")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    # The title as suggested, or the tags' slugs in alphabetical order, separated by spaces: the
    # same suggestion is the same string.
    value = models.CharField(max_length=300)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["post", "kind", "value"], name="suggestion_post_idx")]
        constraints = [
            models.UniqueConstraint(fields=["user", "post", "kind"], name="suggestion_once"),
            models.CheckConstraint(
                condition=Q(kind__in=["title", "tags"]), name="suggestion_kind_valid"
            ),
            models.CheckConstraint(condition=~Q(value=""), name="suggestion_not_empty"),
        ]

    def __str__(self) -> str:
        return f"{self.user} suggests {self.kind} {self.value!r} for {self.post_id}"
