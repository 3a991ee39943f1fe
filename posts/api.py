"""REST API for posts, tags and channels (/api/v1/). Views parse and validate, then call the same
selectors and services as the HTML pages."""

from __future__ import annotations

from django.db.models import QuerySet
from django_filters import rest_framework as filters
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
)
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api_auth import Authenticated
from faun.api import (
    PAGE_PARAMETERS,
    check_query_params,
    list_response,
    page_size_param,
    paginated,
    paginated_response,
)
from posts import search, selectors
from posts.models import Channel, Follow, Post, Tag
from posts.pagination import keyset_paginate


class TagSerializer(serializers.ModelSerializer):
    class Meta:
        model = Tag
        fields = ["slug", "name", "description"]


class ChannelRefSerializer(serializers.Serializer):
    handle = serializers.CharField()
    name = serializers.CharField()


class UserRefSerializer(serializers.Serializer):
    username = serializers.CharField()
    display_name = serializers.CharField()


class ViewerStateSerializer(serializers.Serializer):
    voted = serializers.BooleanField()
    saved = serializers.BooleanField()


class PostSerializer(serializers.ModelSerializer):
    """A post as it appears in lists."""

    id = serializers.CharField(source="short_id", read_only=True)
    html_url = serializers.SerializerMethodField()
    link = serializers.CharField(source="url", read_only=True)
    tags = serializers.SerializerMethodField()
    channel = serializers.SerializerMethodField()
    author = serializers.SerializerMethodField()
    viewer = serializers.SerializerMethodField()

    class Meta:
        model = Post
        fields = [
            "id",
            "html_url",
            "kind",
            "title",
            "link",
            "domain",
            "tldr",
            "tags",
            "channel",
            "author",
            "score",
            "published_at",
            "viewer",
        ]
        read_only_fields = fields

    def get_html_url(self, post: Post) -> str:
        request = self.context.get("request")
        path = post.get_absolute_url()
        return request.build_absolute_uri(path) if request else path

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_tags(self, post: Post) -> list[str]:
        return [tag.slug for tag in post.tags.all()]

    @extend_schema_field(ChannelRefSerializer(allow_null=True))
    def get_channel(self, post: Post) -> dict[str, str] | None:
        if post.channel_id is None:
            return None
        return {"handle": post.channel.handle, "name": post.channel.name}

    @extend_schema_field(UserRefSerializer(allow_null=True))
    def get_author(self, post: Post) -> dict[str, str] | None:
        if post.author_id is None:
            return None
        return {"username": post.author.username, "display_name": post.author.display_name}

    @extend_schema_field(ViewerStateSerializer(allow_null=True))
    def get_viewer(self, post: Post) -> dict[str, bool] | None:
        if not hasattr(post, "viewer_voted"):
            return None
        return {"voted": post.viewer_voted, "saved": post.viewer_saved}


class KeyFactSerializer(serializers.Serializer):
    value = serializers.CharField(max_length=40)
    description = serializers.CharField(max_length=200)


class TimelineEventSerializer(serializers.Serializer):
    date = serializers.DateField(allow_null=True, required=False, default=None)
    when = serializers.CharField(max_length=60, allow_blank=True, required=False, default="")
    description = serializers.CharField(max_length=300)


class PostDetailSerializer(PostSerializer):
    """A post with everything its page shows."""

    key_facts = KeyFactSerializer(many=True, read_only=True)
    timeline = TimelineEventSerializer(many=True, read_only=True, source="timeline_events")

    class Meta(PostSerializer.Meta):
        fields = [
            *PostSerializer.Meta.fields,
            "status",
            "body",
            "body_html",
            "key_facts",
            "timeline",
            "updated_at",
        ]
        read_only_fields = fields


class PostFilter(filters.FilterSet):
    """Filters for the post list; every one narrows the same keyset-paginated query."""

    tag = filters.BaseInFilter(
        field_name="tags__slug",
        help_text="Tag slugs, comma-separated: posts with any of them (e.g. `rust,go`).",
        distinct=False,
    )
    channel = filters.CharFilter(field_name="channel__handle", help_text="Channel handle.")
    author = filters.CharFilter(
        field_name="author__username", lookup_expr="iexact", help_text="Author username."
    )
    domain = filters.CharFilter(field_name="domain", help_text="Source domain, e.g. `lwn.net`.")
    published_after = filters.IsoDateTimeFilter(field_name="published_at", lookup_expr="gte")
    published_before = filters.IsoDateTimeFilter(field_name="published_at", lookup_expr="lt")

    class Meta:
        model = Post
        fields: list[str] = []


ORDER_PARAMETERS = [
    OpenApiParameter(
        "order",
        str,
        enum=["hot", "newest", "top", "relevance"],
        description=(
            "Ranking: hot (the default), newest, top; with `search`, relevance (the default "
            "there) or newest."
        ),
    ),
    OpenApiParameter(
        "search",
        {"type": "string", "maxLength": search.MAX_QUERY_LENGTH},
        description=(
            'Full-text search, up to 200 characters: words, `"phrases"`, `-word`, `a or b`, '
            'and `tag:`, `channel:`, `author:`, `domain:` (README "Search and following").'
        ),
    ),
    OpenApiParameter(
        "period",
        str,
        enum=list(selectors.TOP_PERIODS),
        description=(
            "With order=top, or with `search`: posts of the last day, week, month or all "
            "(default all)."
        ),
    ),
]
POST_LIST_PARAMS = {
    "order",
    "period",
    "search",
    "cursor",
    "page_size",
    *PostFilter.base_filters,
}


def filtered_posts(request: Request) -> QuerySet[Post]:
    """Apply PostFilter to published posts, answering 400 with field errors on bad values."""
    check_query_params(request, POST_LIST_PARAMS)
    filterset = PostFilter(request.query_params, queryset=Post.objects.all(), request=request)
    if not filterset.is_valid():
        raise serializers.ValidationError(filterset.errors)
    qs = filterset.qs
    if "tag" in request.query_params:
        # Several tags match a post more than once through the join; keep each post once.
        qs = Post.objects.filter(pk__in=qs.values("pk"))
    return qs


def search_param(request: Request, name: str) -> search.ParsedQuery | None:
    """The parsed search in query parameter `name`, or None when absent or blank. A query over
    the length limit is a 400 on that parameter."""
    try:
        query = search.parse_query(request.query_params.get(name) or "")
    except search.QueryTooLong as exc:
        raise serializers.ValidationError({name: [str(exc)]}) from None
    return None if query.is_empty else query


def choice_param(request: Request, name: str, choices: list[str], default: str) -> str:
    value = request.query_params.get(name, default)
    if value not in choices:
        raise serializers.ValidationError({name: [f"Choose one of: {', '.join(choices)}."]})
    return value


class PostListView(APIView):
    @extend_schema(
        summary="List posts",
        parameters=[*ORDER_PARAMETERS, *PAGE_PARAMETERS],
        filters=True,
        responses=paginated(PostSerializer),
        operation_id="posts_list",
        examples=[
            OpenApiExample(
                "Newest Rust posts",
                value={"next": "https://faun.example/api/v1/posts/?cursor=...", "results": []},
                response_only=True,
            )
        ],
    )
    def get(self, request: Request) -> Response:
        query = search_param(request, "search")
        if query is not None:
            page = selectors.post_search(
                viewer=request.user,
                query=query,
                order=choice_param(request, "order", list(search.SEARCH_ORDERS), "relevance"),
                period=choice_param(request, "period", list(selectors.TOP_PERIODS), "all"),
                queryset=filtered_posts(request),
                after=request.query_params.get("cursor") or None,
                page_size=page_size_param(request),
            )
            data = PostSerializer(page.items, many=True, context={"request": request}).data
            return paginated_response(request, page=page, data=data)
        order = choice_param(request, "order", list(selectors.ORDERINGS), "hot")
        period = choice_param(request, "period", list(selectors.TOP_PERIODS), "all")
        page = selectors.feed_list(
            viewer=request.user,
            order=order,
            period=period,
            queryset=filtered_posts(request),
            after=request.query_params.get("cursor") or None,
            page_size=page_size_param(request),
        )
        data = PostSerializer(page.items, many=True, context={"request": request}).data
        return paginated_response(request, page=page, data=data)


class PostDetailView(APIView):
    @extend_schema(
        summary="A post with its TL;DR, key numbers and timeline", responses=PostDetailSerializer
    )
    def get(self, request: Request, short_id: str) -> Response:
        post = selectors.post_get_for_page(short_id=short_id, viewer=request.user)
        return Response(PostDetailSerializer(post, context={"request": request}).data)


class TagListView(APIView):
    @extend_schema(
        summary="List tags",
        parameters=PAGE_PARAMETERS,
        responses=paginated(TagSerializer),
        operation_id="tags_list",
    )
    def get(self, request: Request) -> Response:
        return list_response(
            request,
            fetch=lambda after, size: keyset_paginate(
                Tag.objects.all(), ordering=selectors.BY_SLUG, after=after, page_size=size
            ),
            serializer_class=TagSerializer,
        )


class TagDetailView(APIView):
    @extend_schema(summary="A tag", responses=TagSerializer)
    def get(self, request: Request, slug: str) -> Response:
        return Response(TagSerializer(selectors.tag_get(slug=slug)).data)


class ChannelMemberSerializer(serializers.Serializer):
    username = serializers.CharField(source="user.username")
    display_name = serializers.CharField(source="user.display_name")
    role = serializers.CharField()


class ChannelSerializer(serializers.ModelSerializer):
    html_url = serializers.SerializerMethodField()

    class Meta:
        model = Channel
        fields = ["handle", "name", "description", "newsletter_name", "html_url"]

    def get_html_url(self, channel: Channel) -> str:
        request = self.context.get("request")
        path = channel.get_absolute_url()
        return request.build_absolute_uri(path) if request else path


class ChannelDetailSerializer(ChannelSerializer):
    members = ChannelMemberSerializer(many=True, source="memberships", read_only=True)

    class Meta(ChannelSerializer.Meta):
        fields = [*ChannelSerializer.Meta.fields, "members"]


class ChannelListView(APIView):
    @extend_schema(
        summary="List channels",
        parameters=PAGE_PARAMETERS,
        responses=paginated(ChannelSerializer),
        operation_id="channels_list",
    )
    def get(self, request: Request) -> Response:
        return list_response(
            request,
            fetch=lambda after, size: keyset_paginate(
                Channel.objects.all(), ordering=selectors.BY_HANDLE, after=after, page_size=size
            ),
            serializer_class=ChannelSerializer,
        )


class ChannelDetailView(APIView):
    @extend_schema(summary="A channel with its members", responses=ChannelDetailSerializer)
    def get(self, request: Request, handle: str) -> Response:
        channel = selectors.channel_get(handle=handle)
        return Response(ChannelDetailSerializer(channel, context={"request": request}).data)


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
        description="relevance (default; newest on SQLite or without words) or newest.",
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
        page = selectors.post_search(
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
        page = selectors.feed_followed(
            viewer=request.user,
            order=choice_param(request, "order", ["hot", "newest"], "hot"),
            after=request.query_params.get("cursor") or None,
            page_size=page_size_param(request),
        )
        data = PostSerializer(page.items, many=True, context={"request": request}).data
        return paginated_response(request, page=page, data=data)


class FollowSerializer(serializers.Serializer):
    """Something the user follows: a tag (slug), a channel (handle) or a user (username)."""

    type = serializers.SerializerMethodField()
    target = serializers.SerializerMethodField(help_text="Tag slug, channel handle or username.")
    html_url = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()

    @extend_schema_field(serializers.ChoiceField(choices=["tag", "channel", "user"]))
    def get_type(self, follow: Follow) -> str:
        return "tag" if follow.tag_id else "channel" if follow.channel_id else "user"

    def get_target(self, follow: Follow) -> str:
        if follow.tag_id:
            return follow.tag.slug  # type: ignore[union-attr]
        if follow.channel_id:
            return follow.channel.handle  # type: ignore[union-attr]
        return follow.followed_user.username  # type: ignore[union-attr]

    def get_html_url(self, follow: Follow) -> str:
        target = follow.tag or follow.channel or follow.followed_user
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
            fetch=lambda after, size: selectors.follow_list(
                user=request.user, after=after, page_size=size
            ),
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
            fetch=lambda after, size: selectors.hidden_tag_list(
                user=request.user, after=after, page_size=size
            ),
            serializer_class=HiddenTagSerializer,
        )
