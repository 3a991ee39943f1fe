"""Post writes: submit, edit and delete your posts, and staff removal. Each view validates the
JSON body, then calls the same service as the HTML form, and turns the service's refusal
(`PostRejected`) into the API's error body with the right status code."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import RateLimited
from core.serializers import StrictSerializer, TextField
from posts.api.posts import PostDetailView, PostListView
from posts.api.serializers import PostDetailSerializer
from posts.models import (
    BODY_MAX_LENGTH,
    ENTITIES_MAX,
    ENTITY_NAME_MAX_LENGTH,
    ENTITY_ROLE_MAX_LENGTH,
    KEY_FACTS_MAX,
    LEAD_MAX_LENGTH,
    QUOTE_MAX_LENGTH,
    QUOTE_SOURCE_MAX_LENGTH,
    TAGS_MAX,
    TIMELINE_EVENTS_MAX,
    TITLE_MAX_LENGTH,
    TLDR_BULLET_MAX_LENGTH,
    TLDR_MAX_BULLETS,
    Channel,
    Entity,
    Post,
    Tag,
)
from posts.selectors.posts import post_get_for_edit, post_get_for_page
from posts.services.content import EntityData, KeyFactData, PostContent, TimelineEventData
from posts.services.errors import NON_FIELD, PostRejected
from posts.services.submission import post_delete, post_remove, post_submit, post_update


class KeyFactInputSerializer(StrictSerializer):
    value = TextField(max_length=40)
    description = TextField(max_length=200)


class TimelineInputSerializer(StrictSerializer):
    date = serializers.DateField(required=False, allow_null=True, default=None)
    when = TextField(max_length=60, required=False, allow_blank=True, default="")
    description = TextField(max_length=300)


class EntityInputSerializer(StrictSerializer):
    """A key entity: an entity already on the site is matched by name in any letter case (and
    keeps its kind); a new one is created with `kind`, which it then needs."""

    name = TextField(max_length=ENTITY_NAME_MAX_LENGTH)
    kind = serializers.ChoiceField(
        choices=Entity.Kind.choices, required=False, allow_blank=True, default=""
    )
    role = TextField(max_length=ENTITY_ROLE_MAX_LENGTH, help_text="Its part in the story.")


class QuoteInputSerializer(StrictSerializer):
    """An excerpt of the original, in Markdown, and where it was published."""

    text = TextField(
        max_length=QUOTE_MAX_LENGTH, trim_whitespace=False, multiline=True, help_text="Markdown."
    )
    source = TextField(max_length=QUOTE_SOURCE_MAX_LENGTH, help_text="Where it was published.")
    url = TextField(
        max_length=2000,
        required=False,
        allow_blank=True,
        default="",
        help_text="A link to the original.",
    )


class PostWriteSerializer(StrictSerializer):
    """A post to submit or the fields to change. `url` empty makes a text post (body required)."""

    url = TextField(max_length=2000, required=False, allow_blank=True, default="")
    title = TextField(max_length=TITLE_MAX_LENGTH)
    lead = TextField(
        max_length=LEAD_MAX_LENGTH,
        required=False,
        allow_blank=True,
        default="",
        help_text="One sentence shown under the byline and as the page's description.",
    )
    tags = serializers.ListField(child=TextField(max_length=40), min_length=1, max_length=TAGS_MAX)
    channel = TextField(
        max_length=30, required=False, allow_null=True, default=None, help_text="Channel handle."
    )
    tldr = serializers.ListField(
        child=TextField(max_length=TLDR_BULLET_MAX_LENGTH),
        required=False,
        default=list,
        max_length=TLDR_MAX_BULLETS,
    )
    body = TextField(
        max_length=BODY_MAX_LENGTH,
        required=False,
        allow_blank=True,
        default="",
        trim_whitespace=False,
        multiline=True,
        help_text="Markdown.",
    )
    quote = QuoteInputSerializer(
        required=False,
        allow_null=True,
        default=None,
        help_text="An excerpt of the original and where it was published; null for none.",
    )
    key_facts = KeyFactInputSerializer(
        many=True, required=False, default=list, max_length=KEY_FACTS_MAX
    )
    timeline = TimelineInputSerializer(
        many=True, required=False, default=list, max_length=TIMELINE_EVENTS_MAX
    )
    entities = EntityInputSerializer(
        many=True, required=False, default=list, max_length=ENTITIES_MAX
    )

    def validate_tags(self, slugs: list[str]) -> list[Tag]:
        found = {tag.slug: tag for tag in Tag.objects.filter(slug__in=slugs)}
        unknown = [slug for slug in slugs if slug not in found]
        if unknown:
            raise serializers.ValidationError(f"Unknown tags: {', '.join(unknown)}.")
        return list(dict.fromkeys(found[slug] for slug in slugs))

    def validate_channel(self, handle: str | None) -> Channel | None:
        if not handle:
            return None
        channel = Channel.objects.filter(handle=handle.lower()).first()
        if channel is None:
            raise serializers.ValidationError("Unknown channel.")
        return channel


def post_content(data: dict[str, Any]) -> PostContent:
    """The serializer's validated data as the value the post services take."""
    quote = data["quote"]
    return PostContent.of(
        url=data["url"],
        title=data["title"],
        lead=data["lead"],
        tags=data["tags"],
        channel=data["channel"],
        tldr=data["tldr"],
        body=data["body"],
        quote=quote["text"] if quote else "",
        quote_source=quote["source"] if quote else "",
        quote_url=quote["url"] if quote else "",
        key_facts=[KeyFactData(**fact) for fact in data["key_facts"]],
        timeline=[TimelineEventData(**event) for event in data["timeline"]],
        entities=[EntityData(**entity) for entity in data["entities"]],
    )


def current_values(post: Post) -> dict[str, Any]:
    """A post's editable fields in the write serializer's input shape (for PATCH merges)."""
    return {
        "url": post.url,
        "title": post.title,
        "lead": post.lead,
        "tags": [tag.slug for tag in post.tags.all()],
        "channel": post.channel.handle if post.channel_id else None,
        "tldr": list(post.tldr),
        "body": post.body,
        "quote": (
            {"text": post.quote, "source": post.quote_source, "url": post.quote_url}
            if post.quote
            else None
        ),
        "key_facts": [
            {"value": f.value, "description": f.description} for f in post.key_facts.all()
        ],
        "timeline": [
            {"date": e.date, "when": e.when, "description": e.description}
            for e in post.timeline_events.all()
        ],
        "entities": [
            {"name": row.entity.name, "kind": row.entity.kind, "role": row.role}
            for row in post.entity_rows.all()
        ],
    }


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "duplicate"
    default_detail = "This link was posted recently: see `duplicate_of`."


def rejection_to_api(exc: PostRejected) -> exceptions.APIException:
    """The API form of a service refusal: 400 fields, 403 unverified, 409 duplicate, 429 limits."""
    fields = {
        ("non_field_errors" if key == NON_FIELD else key): value
        for key, value in exc.errors.items()
    }
    if exc.code == "unverified":
        return exceptions.PermissionDenied(exc.message)
    if exc.code == "rate_limited":
        return RateLimited(wait=exc.retry_after, detail=exc.message)
    if exc.code == "duplicate":
        return Conflict(
            detail={**fields, "duplicate_of": [exc.duplicate_of.get_absolute_url()]}
            if exc.duplicate_of
            else fields
        )
    return serializers.ValidationError(fields)


def detail_response(request: Request, post: Post, *, code: int = status.HTTP_200_OK) -> Response:
    fresh = post_get_for_page(short_id=post.short_id, viewer=request.user)
    response = Response(PostDetailSerializer(fresh, context={"request": request}).data, status=code)
    if code == status.HTTP_201_CREATED:
        response["Location"] = request.build_absolute_uri(f"/api/v1/posts/{post.short_id}/")
    return response


SUBMIT_EXAMPLE = OpenApiExample(
    "A link with tags and key numbers",
    request_only=True,
    value={
        "url": "https://lwn.example/articles/rust-kernel",
        "title": "Rust is no longer an experiment in the kernel",
        "lead": "Rust support in the kernel is no longer experimental.",
        "tags": ["rust", "linux"],
        "channel": "devopslinks",
        "tldr": ["The experiment concluded.", "Distributions ship it."],
        "body": "Support was merged in **6.1**.",
        "quote": {
            "text": "The experiment is done, i.e. Rust is here to stay.",
            "source": "lore.kernel.org",
            "url": "https://lore.kernel.example/rust/20251210",
        },
        "key_facts": [{"value": "6.1", "description": "Kernel version where support was merged."}],
        "timeline": [{"date": "2022-12-11", "description": "Rust support merged."}],
        "entities": [
            {"name": "Rust", "kind": "technology", "role": "The language, now permanent."},
            {"name": "Linux Kernel Maintainers Summit", "role": "Where the decision was made."},
        ],
    },
)


class PostCreateView(APIView):
    """POST on /api/v1/posts/ (the list view answers GET)."""

    @extend_schema(
        summary="Submit a post",
        request=PostWriteSerializer,
        responses={201: PostDetailSerializer, 409: None},
        examples=[SUBMIT_EXAMPLE],
        operation_id="posts_create",
    )
    def post(self, request: Request) -> Response:
        serializer = PostWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            post = post_submit(author=request.user, content=post_content(serializer.validated_data))
        except PostRejected as exc:
            raise rejection_to_api(exc) from exc
        return detail_response(request, post, code=status.HTTP_201_CREATED)


class PostEditView(APIView):
    """PATCH and DELETE on /api/v1/posts/<id>/ (the detail view answers GET)."""

    @extend_schema(
        summary="Edit your post (within the edit window)",
        request=PostWriteSerializer(partial=True),
        responses={200: PostDetailSerializer, 409: None},
        operation_id="posts_partial_update",
    )
    def patch(self, request: Request, short_id: str) -> Response:
        post = post_get_for_edit(user=request.user, short_id=short_id, action="edit")
        if not isinstance(request.data, dict):
            raise serializers.ValidationError({"non_field_errors": ["Send a JSON object."]})
        merged = {**current_values(post), **request.data}
        serializer = PostWriteSerializer(data=merged)
        serializer.is_valid(raise_exception=True)
        try:
            post = post_update(
                post=post, editor=request.user, content=post_content(serializer.validated_data)
            )
        except PostRejected as exc:
            raise rejection_to_api(exc) from exc
        return detail_response(request, post)

    @extend_schema(summary="Delete your post", responses={204: None}, operation_id="posts_destroy")
    def delete(self, request: Request, short_id: str) -> Response:
        post = post_get_for_edit(user=request.user, short_id=short_id, action="delete")
        post_delete(post=post, user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class RemoveSerializer(StrictSerializer):
    reason = TextField(max_length=300, help_text="Shown on the post page.")


class PostRemoveView(APIView):
    """Staff only: remove any post with a reason."""

    @extend_schema(
        summary="Remove a post (staff)",
        request=RemoveSerializer,
        responses={200: PostDetailSerializer},
        operation_id="posts_remove",
    )
    def post(self, request: Request, short_id: str) -> Response:
        post = post_get_for_edit(user=request.user, short_id=short_id, action="remove")
        serializer = RemoveSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            post_remove(
                post=post, moderator=request.user, reason=serializer.validated_data["reason"]
            )
        except PostRejected as exc:
            raise rejection_to_api(exc) from exc
        return detail_response(request, post)


class PostCollectionView(PostListView, PostCreateView):
    """/api/v1/posts/: GET lists, POST submits."""


class PostItemView(PostDetailView, PostEditView):
    """/api/v1/posts/<id>/: GET reads, PATCH edits, DELETE deletes."""
