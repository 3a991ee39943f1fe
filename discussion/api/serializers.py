"""What the discussion's API reads and writes: a comment (with its place in the thread and the
viewer's vote), a notification, and the bodies that write a comment, edit it and mark
notifications read (docs/api.md#comments-and-notifications)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field, inline_serializer
from rest_framework import serializers

from core.serializers import StrictSerializer, TextField, WholeNumberField
from discussion.models import COMMENT_BODY_MAX_LENGTH, Comment, Notification
from posts.models import Post

MARK_READ_MAX_IDS = 500


def _absolute(request: Any, path: str) -> str:
    return request.build_absolute_uri(path) if request else path


class CommentPostSerializer(serializers.Serializer):
    id = serializers.CharField(source="short_id")
    title = serializers.CharField()
    html_url = serializers.SerializerMethodField()

    def get_html_url(self, post: Post) -> str:
        return _absolute(self.context.get("request"), post.get_absolute_url())


class CommentAuthorSerializer(serializers.Serializer):
    username = serializers.CharField()
    display_name = serializers.CharField()


class CommentSummarySerializer(serializers.Serializer):
    """A comment as a notification points at it."""

    id = serializers.CharField(source="short_id", read_only=True)
    html_url = serializers.SerializerMethodField(help_text="The comment in its thread.")
    post = CommentPostSerializer(read_only=True)
    status = serializers.ChoiceField(choices=Comment.Status.choices, read_only=True)
    author = serializers.SerializerMethodField(help_text="Null once the account is deleted.")
    body_html = serializers.SerializerMethodField(
        help_text="Sanitized HTML; null unless `status` is published."
    )
    created_at = serializers.DateTimeField(read_only=True)

    def get_html_url(self, comment: Comment) -> str:
        return _absolute(self.context.get("request"), comment.get_absolute_url())

    @extend_schema_field(CommentAuthorSerializer(allow_null=True))
    def get_author(self, comment: Comment) -> dict[str, str] | None:
        if comment.author is None:
            return None
        return {"username": comment.author.username, "display_name": comment.author.display_name}

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_body_html(self, comment: Comment) -> str | None:
        # A deleted comment has no text left; a removed one keeps it, hidden, for review only.
        return comment.body_html if comment.is_published else None


class CommentSerializer(CommentSummarySerializer):
    """A comment with its place in the thread and the viewer's vote."""

    parent = serializers.CharField(
        source="parent_short_id",
        allow_null=True,
        read_only=True,
        help_text="The id of the comment this answers; null for a comment on the post.",
    )
    depth = serializers.IntegerField(read_only=True, help_text="0 for a comment on the post.")
    body = serializers.SerializerMethodField(help_text="Markdown; null unless published.")
    removed_reason = serializers.SerializerMethodField(
        help_text="Why a moderator removed it; null unless `status` is removed."
    )
    score = serializers.IntegerField(read_only=True)
    edited_at = serializers.DateTimeField(read_only=True, allow_null=True)
    voted = serializers.SerializerMethodField(
        help_text="Whether the viewer upvoted it; null for an anonymous caller."
    )

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_body(self, comment: Comment) -> str | None:
        return comment.body if comment.is_published else None

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_removed_reason(self, comment: Comment) -> str | None:
        return comment.removed_reason if comment.status == Comment.Status.REMOVED else None

    @extend_schema_field(serializers.BooleanField(allow_null=True))
    def get_voted(self, comment: Comment) -> bool | None:
        voted = self.context.get("voted")
        return None if voted is None else comment.pk in voted


class CommentWriteSerializer(StrictSerializer):
    body = TextField(
        max_length=COMMENT_BODY_MAX_LENGTH,
        multiline=True,
        trim_whitespace=False,
        help_text="Markdown.",
    )
    parent = TextField(
        max_length=10,
        required=False,
        allow_null=True,
        default=None,
        help_text="The id of the comment to answer; absent or null for a comment on the post.",
    )


class CommentEditSerializer(StrictSerializer):
    body = TextField(
        max_length=COMMENT_BODY_MAX_LENGTH,
        multiline=True,
        trim_whitespace=False,
        required=False,
        help_text="Markdown: the new text. Left out, nothing changes.",
    )


class NotificationSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    kind = serializers.ChoiceField(choices=Notification.Kind.choices, read_only=True)
    read = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField(read_only=True)
    comment = CommentSummarySerializer(read_only=True)

    def get_read(self, notification: Notification) -> bool:
        return not notification.is_unread


class NotificationsReadSerializer(StrictSerializer):
    ids = serializers.ListField(
        child=WholeNumberField(),
        required=False,
        max_length=MARK_READ_MAX_IDS,
        help_text="The notifications to mark read; leave out to mark them all.",
    )


COMMENT_VOTE_STATE = inline_serializer(
    name="CommentVoteState",
    fields={"voted": serializers.BooleanField(), "score": serializers.IntegerField()},
)
MARKED = inline_serializer(
    name="NotificationsMarked", fields={"marked": serializers.IntegerField()}
)
