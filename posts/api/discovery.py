"""Discovery reads: search, the feed of what you follow, your follows and your hidden tags."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import (
    PAGE_PARAMETERS,
    check_query_params,
    list_response,
    page_size_param,
    paginated,
    paginated_response,
)
from core.permissions import Authenticated
from posts import search
from posts.api.posts import choice_param, search_param
from posts.api.serializers import PostSerializer
from posts.models import Follow, Post
from posts.selectors.discovery import feed_followed, follow_list, hidden_tag_list, post_search


class SearchResultSerializer(PostSerializer):
    """A post found by a search, with the matched words marked."""

    title_html = serializers.SerializerMethodField(
        help_text="The title, HTML-escaped, matched words wrapped in <mark>."
    )
    snippet_html = serializers.SerializerMethodField(
        help_text="Matching passages of the TL;DR and body, HTML-escaped, matches in <mark>."
    )

    class Meta(PostSerializer.Meta):
        fields = [*PostSerializer.Meta.fields, "title_html", "snippet_html"]
        read_only_fields = fields

    def get_title_html(self, post: Post) -> str:
        return str(getattr(post, "search_title", "") or "")

    def get_snippet_html(self, post: Post) -> str:
        return str(getattr(post, "search_snippet", "") or "")


SEARCH_PARAMETERS = [
    OpenApiParameter(
        "q",
        {"type": "string", "minLength": 1, "maxLength": search.MAX_QUERY_LENGTH},
        required=True,
        description=(
            'What to search for, 1 to 200 characters: words, `"phrases"`, `-word`, `a or b`, '
            "`tag:`, `channel:`, `author:`, `domain:`."
        ),
    ),
    OpenApiParameter(
        "order",
        str,
        enum=list(search.SEARCH_ORDERS),
        description=(
            "relevance (default; newest on SQLite or without words), newest, hot, top or "
            "active (latest comment first)."
        ),
    ),
]


class SearchView(APIView):
    @extend_schema(
        summary="Search posts",
        parameters=[*SEARCH_PARAMETERS, *PAGE_PARAMETERS],
        responses=paginated(SearchResultSerializer),
        operation_id="search_list",
    )
    def get(self, request: Request) -> Response:
        check_query_params(request, {"q", "order", "cursor", "page_size"})
        query = search_param(request, "q")
        if query is None:
            raise serializers.ValidationError({"q": ["Say what to search for."]})
        page = post_search(
            viewer=request.user,
            query=query,
            order=choice_param(request, "order", list(search.SEARCH_ORDERS), "relevance"),
            after=request.query_params.get("cursor") or None,
            page_size=page_size_param(request),
        )
        data = SearchResultSerializer(page.items, many=True, context={"request": request}).data
        return paginated_response(request, page=page, data=data)


class MyFeedView(APIView):
    permission_classes = [Authenticated]

    @extend_schema(
        summary="My feed: posts from the tags, channels and users you follow",
        parameters=[
            OpenApiParameter(
                "order", str, enum=["hot", "newest"], description="Ranking (default hot)."
            ),
            *PAGE_PARAMETERS,
        ],
        responses=paginated(PostSerializer),
        operation_id="me_feed_list",
    )
    def get(self, request: Request) -> Response:
        check_query_params(request, {"order", "cursor", "page_size"})
        page = feed_followed(
            viewer=request.user,
            order=choice_param(request, "order", ["hot", "newest"], "hot"),
            after=request.query_params.get("cursor") or None,
            page_size=page_size_param(request),
        )
        data = PostSerializer(page.items, many=True, context={"request": request}).data
        return paginated_response(request, page=page, data=data)


class FollowSerializer(serializers.Serializer):
    """Something the user follows: a tag (slug), a channel (handle), a user (username) or a key
    entity (slug)."""

    type = serializers.SerializerMethodField()
    target = serializers.SerializerMethodField(
        help_text="Tag slug, channel handle, username or entity slug."
    )
    html_url = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()

    @extend_schema_field(serializers.ChoiceField(choices=["tag", "channel", "user", "entity"]))
    def get_type(self, follow: Follow) -> str:
        if follow.tag_id:
            return "tag"
        if follow.channel_id:
            return "channel"
        return "entity" if follow.entity_id else "user"

    def get_target(self, follow: Follow) -> str:
        if follow.tag_id:
            return follow.tag.slug  # type: ignore[union-attr]
        if follow.channel_id:
            return follow.channel.handle  # type: ignore[union-attr]
        if follow.entity_id:
            return follow.entity.slug  # type: ignore[union-attr]
        return follow.followed_user.username  # type: ignore[union-attr]

    def get_html_url(self, follow: Follow) -> str:
        target = follow.tag or follow.channel or follow.entity or follow.followed_user
        request = self.context.get("request")
        path = target.get_absolute_url()  # type: ignore[union-attr]
        return request.build_absolute_uri(path) if request else path


class HiddenTagSerializer(serializers.Serializer):
    slug = serializers.CharField(source="tag.slug")
    name = serializers.CharField(source="tag.name")
    created_at = serializers.DateTimeField()


class MyFollowsView(APIView):
    permission_classes = [Authenticated]

    @extend_schema(
        summary="What you follow",
        parameters=PAGE_PARAMETERS,
        responses=paginated(FollowSerializer),
        operation_id="me_follows_list",
    )
    def get(self, request: Request) -> Response:
        return list_response(
            request,
            fetch=lambda after, size: follow_list(user=request.user, after=after, page_size=size),
            serializer_class=FollowSerializer,
        )


class MyHiddenTagsView(APIView):
    permission_classes = [Authenticated]

    @extend_schema(
        summary="The tags you hid",
        parameters=PAGE_PARAMETERS,
        responses=paginated(HiddenTagSerializer),
        operation_id="me_hidden_tags_list",
    )
    def get(self, request: Request) -> Response:
        return list_response(
            request,
            fetch=lambda after, size: hidden_tag_list(
                user=request.user, after=after, page_size=size
            ),
            serializer_class=HiddenTagSerializer,
        )
