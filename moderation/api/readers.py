"""Moderation through /api/v1/ for members and visitors: flag and unflag posts and comments,
suggest edits, read the public moderation log. Each view calls the same service or selector as
the HTML page (docs/api.md#moderation, docs/moderation.md)."""

from __future__ import annotations

from typing import cast

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import exceptions, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import User
from core.api import PAGE_PARAMETERS, list_response, paginated
from core.serializers import StrictSerializer, TextField
from discussion.selectors import comment_get_public
from moderation.feeds import entry_link
from moderation.models import Flag, ModerationAction, Suggestion
from moderation.selectors import moderation_log, suggestions_pending
from moderation.services.errors import FlagNotAllowed, SuggestionRejected
from moderation.services.flags import comment_flag, comment_unflag, post_flag, post_unflag
from moderation.services.suggestions import post_suggest
from posts.models import TAGS_MAX, TITLE_MAX_LENGTH, Tag
from posts.selectors.posts import post_get_published

FLAGGED = inline_serializer(
    name="ModerationFlagState", fields={"flagged": serializers.BooleanField()}
)


class PostFlagSerializer(StrictSerializer):
    reason = serializers.ChoiceField(choices=[(r.value, r.label) for r in Flag.POST_REASONS])


class CommentFlagSerializer(StrictSerializer):
    reason = serializers.ChoiceField(choices=[(r.value, r.label) for r in Flag.COMMENT_REASONS])


def _flag_refused(exc: FlagNotAllowed) -> exceptions.APIException:
    return exceptions.PermissionDenied(exc.message)


class PostFlagView(APIView):
    @extend_schema(
        summary="Flag a post",
        description="Members with enough karma flag a post once (off-topic, already posted, "
        "broken link, spam). `flagged` is false when you had flagged it already.",
        request=PostFlagSerializer,
        responses=FLAGGED,
        operation_id="posts_flag",
    )
    def post(self, request: Request, short_id: str) -> Response:
        post = post_get_published(short_id=short_id)
        serializer = PostFlagSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            new = post_flag(
                user=cast(User, request.user),
                post=post,
                reason=serializer.validated_data["reason"],
            )
        except FlagNotAllowed as exc:
            raise _flag_refused(exc) from exc
        return Response({"flagged": new})

    @extend_schema(
        summary="Take your flag on a post back",
        responses={200: FLAGGED},
        operation_id="posts_unflag",
    )
    def delete(self, request: Request, short_id: str) -> Response:
        post = post_get_published(short_id=short_id)
        try:
            post_unflag(user=cast(User, request.user), post=post)
        except FlagNotAllowed as exc:
            raise _flag_refused(exc) from exc
        return Response({"flagged": False})


class CommentFlagView(APIView):
    @extend_schema(
        summary="Flag a comment",
        description="Members with enough karma flag a comment once (off-topic, unkind, spam, "
        "me-too). `flagged` is false when you had flagged it already.",
        request=CommentFlagSerializer,
        responses=FLAGGED,
        operation_id="comments_flag",
    )
    def post(self, request: Request, short_id: str) -> Response:
        comment = comment_get_public(short_id=short_id)
        serializer = CommentFlagSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            new = comment_flag(
                user=cast(User, request.user),
                comment=comment,
                reason=serializer.validated_data["reason"],
            )
        except FlagNotAllowed as exc:
            raise _flag_refused(exc) from exc
        return Response({"flagged": new})

    @extend_schema(
        summary="Take your flag on a comment back",
        responses={200: FLAGGED},
        operation_id="comments_unflag",
    )
    def delete(self, request: Request, short_id: str) -> Response:
        comment = comment_get_public(short_id=short_id)
        try:
            comment_unflag(user=cast(User, request.user), comment=comment)
        except FlagNotAllowed as exc:
            raise _flag_refused(exc) from exc
        return Response({"flagged": False})


# Suggested edits.


class SuggestionSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Suggestion.Kind.choices)
    value = serializers.CharField(
        help_text="The suggested title, or the suggested tags' slugs separated by spaces."
    )
    count = serializers.IntegerField(help_text="How many members suggest it.")


class SuggestWriteSerializer(StrictSerializer):
    title = TextField(max_length=TITLE_MAX_LENGTH)
    tags = serializers.ListField(
        child=serializers.SlugRelatedField(slug_field="slug", queryset=Tag.objects.all()),
        max_length=TAGS_MAX,
    )


SUGGESTED = inline_serializer(
    name="SuggestionOutcome",
    fields={
        "applied": serializers.ListField(
            child=serializers.ChoiceField(choices=Suggestion.Kind.choices),
            help_text="What reached the quorum and was applied to the post.",
        )
    },
)


class PostSuggestionsView(APIView):
    @extend_schema(
        summary="Edits members suggest for a post",
        description="For the post's submitter and moderators only.",
        responses=SuggestionSerializer(many=True),
        operation_id="posts_suggestions_list",
    )
    def get(self, request: Request, short_id: str) -> Response:
        post = post_get_published(short_id=short_id)
        if not (post.is_authored_by(request.user) or request.user.is_staff):
            raise exceptions.PermissionDenied(
                "Only the post's submitter and moderators see the suggestions."
            )
        pending = suggestions_pending(post=post)
        return Response(
            SuggestionSerializer(
                [{"kind": s.kind, "value": s.value, "count": s.count} for s in pending],
                many=True,
            ).data
        )

    @extend_schema(
        summary="Suggest a better title or tags",
        description="Members with enough karma suggest a title and tags for someone else's "
        "post; a value equal to the post's withdraws your suggestion of that kind. Applied when "
        "enough members suggest the same.",
        request=SuggestWriteSerializer,
        responses=SUGGESTED,
        operation_id="posts_suggest",
    )
    def post(self, request: Request, short_id: str) -> Response:
        post = post_get_published(short_id=short_id)
        serializer = SuggestWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            applied = post_suggest(
                user=cast(User, request.user),
                post=post,
                title=serializer.validated_data["title"],
                tags=serializer.validated_data["tags"],
            )
        except SuggestionRejected as exc:
            if exc.field:
                raise exceptions.ValidationError({exc.field: [exc.message]}) from exc
            raise exceptions.PermissionDenied(exc.message) from exc
        return Response({"applied": applied})


# The public log.


class ModerationActionSerializer(serializers.ModelSerializer):
    moderator = serializers.SerializerMethodField(
        help_text="The moderator's username; null for a suggestion members got applied."
    )
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    post = serializers.SerializerMethodField(help_text="The post's short id, if about a post.")
    comment = serializers.SerializerMethodField(help_text="The comment's short id.")
    member = serializers.SerializerMethodField(help_text="The member's username.")
    url = serializers.SerializerMethodField(help_text="The page of what the action is about.")

    class Meta:
        model = ModerationAction
        fields = [
            "id",
            "created_at",
            "moderator",
            "kind",
            "kind_display",
            "reason",
            "details",
            "post",
            "comment",
            "member",
            "url",
        ]

    def get_moderator(self, entry: ModerationAction) -> str | None:
        return entry.moderator.username if entry.moderator else None

    def get_post(self, entry: ModerationAction) -> str | None:
        return entry.post.short_id if entry.post else None

    def get_comment(self, entry: ModerationAction) -> str | None:
        return entry.comment.short_id if entry.comment else None

    def get_member(self, entry: ModerationAction) -> str | None:
        return entry.member.username if entry.member else None

    def get_url(self, entry: ModerationAction) -> str:
        return self.context["request"].build_absolute_uri(entry_link(entry))


class ModerationLogView(APIView):
    @extend_schema(
        summary="The public moderation log",
        description="Every moderator action, newest first: who, what, when and why.",
        parameters=PAGE_PARAMETERS,
        responses=paginated(ModerationActionSerializer),
        operation_id="moderations_list",
    )
    def get(self, request: Request) -> Response:
        return list_response(
            request,
            fetch=lambda after, size: moderation_log(after=after, page_size=size),
            serializer_class=ModerationActionSerializer,
        )
