"""The moderators' actions through /api/v1/mod/: restore, dismiss flags, edit a title or tags,
remove a comment, suspend or ban a member and lift it. Staff write tokens only (everyone else
401 or 403); an item another moderator changed first is a 409. Each view calls the same service
as the queue (docs/api.md#moderation, docs/moderation.md#the-queue)."""

from __future__ import annotations

from typing import Any

from django.http import Http404
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import exceptions, permissions, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import User
from core.permissions import ReadOnlyOrWriter
from core.serializers import StrictSerializer, TextField
from discussion.models import Comment
from discussion.selectors import comment_get_public
from moderation.selectors import member_get_for_moderation
from moderation.services.actions import (
    ModerationConflict,
    ModerationRefused,
    moderation_comment_flags_dismiss,
    moderation_comment_remove,
    moderation_comment_restore,
    moderation_member_reinstate,
    moderation_member_suspend,
    moderation_post_edit,
    moderation_post_flags_dismiss,
    moderation_post_merge,
    moderation_post_restore,
)
from posts.models import TAGS_MAX, TITLE_MAX_LENGTH, Post, Tag
from posts.selectors.posts import post_find_by_reference, post_get_for_page

REASON_HELP = "Shown in the public moderation log."


class Staff(permissions.BasePermission):
    """Moderators only: a staff account (with a write-scope token, as every write)."""

    message = "Only moderators (staff accounts) may do this."

    def has_permission(self, request: Request, view: Any) -> bool:
        return bool(request.user and request.user.is_authenticated and request.user.is_staff)


class Conflict(exceptions.APIException):
    """The item is no longer as the moderator saw it: another moderator acted first."""

    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"


CONFLICT = OpenApiResponse(description="Another moderator acted on it first: see `message`.")


# Moderators' actions: staff tokens only.


class ReasonSerializer(StrictSerializer):
    reason = TextField(max_length=300, required=False, default="", help_text=REASON_HELP)


class RequiredReasonSerializer(StrictSerializer):
    reason = TextField(max_length=300, help_text=REASON_HELP)


class PostEditSerializer(ReasonSerializer):
    title = TextField(max_length=TITLE_MAX_LENGTH)
    tags = serializers.ListField(
        child=serializers.SlugRelatedField(slug_field="slug", queryset=Tag.objects.all()),
        max_length=TAGS_MAX,
    )


class MergeSerializer(ReasonSerializer):
    into = TextField(
        max_length=2000,
        help_text="The story to merge the post into: its short id or the address of its page.",
    )


class SuspendSerializer(StrictSerializer):
    days = serializers.IntegerField(
        min_value=1,
        max_value=3650,
        allow_null=True,
        help_text="How long; null bans the member for good.",
    )
    reason = TextField(max_length=300, help_text="Shown to the member and in the public log.")


DONE = inline_serializer(
    name="ModerationOutcome",
    fields={"done": serializers.BooleanField(help_text="False when nothing changed.")},
)


class _ModeratorView(APIView):
    permission_classes = [ReadOnlyOrWriter, Staff]
    serializer_class: type[serializers.Serializer] = ReasonSerializer

    def act(self, request: Request, **kwargs: Any) -> bool | None:
        raise NotImplementedError

    def post(self, request: Request, **kwargs: Any) -> Response:
        serializer = self.serializer_class(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            done = self.act(request, data=serializer.validated_data, **kwargs)
        except ModerationConflict as exc:
            raise Conflict(exc.message) from exc
        except ModerationRefused as exc:
            raise exceptions.ValidationError(
                {exc.field or "non_field_errors": [exc.message]}
            ) from exc
        return Response({"done": done is not False})


def _post(request: Request, short_id: str) -> Post:
    return post_get_for_page(short_id=short_id, viewer=request.user)


def _comment(short_id: str) -> Comment:
    return comment_get_public(short_id=short_id)


def _schema(summary: str, request: type[serializers.Serializer], operation_id: str) -> Any:
    return extend_schema(
        summary=summary,
        request=request,
        responses={200: DONE, 409: CONFLICT},
        operation_id=operation_id,
    )


class ModPostRestoreView(_ModeratorView):
    @_schema("Restore a removed post (staff)", ReasonSerializer, "mod_posts_restore")
    def post(self, request: Request, **kwargs: Any) -> Response:
        return super().post(request, **kwargs)

    def act(self, request: Request, *, data: dict[str, Any], short_id: str) -> None:
        moderation_post_restore(
            moderator=request.user, post=_post(request, short_id), reason=data["reason"]
        )


class ModPostDismissView(_ModeratorView):
    @_schema("Dismiss the flags on a post (staff)", ReasonSerializer, "mod_posts_dismiss")
    def post(self, request: Request, **kwargs: Any) -> Response:
        return super().post(request, **kwargs)

    def act(self, request: Request, *, data: dict[str, Any], short_id: str) -> None:
        moderation_post_flags_dismiss(
            moderator=request.user, post=_post(request, short_id), reason=data["reason"]
        )


class ModPostEditView(_ModeratorView):
    serializer_class = PostEditSerializer

    @_schema("Edit a post's title or tags (staff)", PostEditSerializer, "mod_posts_edit")
    def post(self, request: Request, **kwargs: Any) -> Response:
        return super().post(request, **kwargs)

    def act(self, request: Request, *, data: dict[str, Any], short_id: str) -> bool:
        return moderation_post_edit(
            moderator=request.user,
            post=_post(request, short_id),
            title=data["title"],
            tags=data["tags"],
            reason=data["reason"],
        )


class ModPostMergeView(_ModeratorView):
    serializer_class = MergeSerializer

    @_schema(
        "Merge a post into another story: its comments, votes and link go there (staff)",
        MergeSerializer,
        "mod_posts_merge",
    )
    def post(self, request: Request, **kwargs: Any) -> Response:
        return super().post(request, **kwargs)

    def act(self, request: Request, *, data: dict[str, Any], short_id: str) -> None:
        moderation_post_merge(
            moderator=request.user,
            post=_post(request, short_id),
            into=post_find_by_reference(reference=data["into"]),
            reason=data["reason"],
        )


class ModCommentRemoveView(_ModeratorView):
    serializer_class = RequiredReasonSerializer

    @_schema("Remove a comment (staff)", RequiredReasonSerializer, "mod_comments_remove")
    def post(self, request: Request, **kwargs: Any) -> Response:
        return super().post(request, **kwargs)

    def act(self, request: Request, *, data: dict[str, Any], short_id: str) -> None:
        moderation_comment_remove(
            moderator=request.user, comment=_comment(short_id), reason=data["reason"]
        )


class ModCommentRestoreView(_ModeratorView):
    @_schema("Restore a removed comment (staff)", ReasonSerializer, "mod_comments_restore")
    def post(self, request: Request, **kwargs: Any) -> Response:
        return super().post(request, **kwargs)

    def act(self, request: Request, *, data: dict[str, Any], short_id: str) -> None:
        moderation_comment_restore(
            moderator=request.user, comment=_comment(short_id), reason=data["reason"]
        )


class ModCommentDismissView(_ModeratorView):
    @_schema("Dismiss the flags on a comment (staff)", ReasonSerializer, "mod_comments_dismiss")
    def post(self, request: Request, **kwargs: Any) -> Response:
        return super().post(request, **kwargs)

    def act(self, request: Request, *, data: dict[str, Any], short_id: str) -> None:
        moderation_comment_flags_dismiss(
            moderator=request.user, comment=_comment(short_id), reason=data["reason"]
        )


class ModUserSuspendView(_ModeratorView):
    serializer_class = SuspendSerializer

    @_schema("Suspend or ban a member (staff)", SuspendSerializer, "mod_users_suspend")
    def post(self, request: Request, **kwargs: Any) -> Response:
        return super().post(request, **kwargs)

    def act(self, request: Request, *, data: dict[str, Any], username: str) -> None:
        moderation_member_suspend(
            moderator=request.user,
            member=_member(username),
            days=data["days"],
            reason=data["reason"],
        )


class ModUserReinstateView(_ModeratorView):
    @_schema("Lift a member's suspension (staff)", ReasonSerializer, "mod_users_reinstate")
    def post(self, request: Request, **kwargs: Any) -> Response:
        return super().post(request, **kwargs)

    def act(self, request: Request, *, data: dict[str, Any], username: str) -> None:
        moderation_member_reinstate(
            moderator=request.user, member=_member(username), reason=data["reason"]
        )


def _member(username: str) -> User:
    try:
        return member_get_for_moderation(username=username)
    except Http404:
        raise exceptions.NotFound("No such member.") from None
