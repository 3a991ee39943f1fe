"""Post reads: the filtered, ranked or searched post list and a post's detail."""

from __future__ import annotations

from django.db.models import QuerySet
from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import (
    PAGE_PARAMETERS,
    check_query_params,
    page_size_param,
    paginated,
    paginated_response,
)
from posts import search
from posts.api.serializers import PostDetailSerializer, PostSerializer
from posts.models import Post
from posts.selectors.core import ORDERINGS, TOP_PERIODS
from posts.selectors.discovery import post_search
from posts.selectors.feeds import feed_list
from posts.selectors.posts import post_get_for_page


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
        enum=["hot", "newest", "top", "active", "relevance"],
        description=(
            "Ranking: hot (the default), newest, top or active (latest comment first); relevance "
            "ranks `search` results by "
            "how well they match (the default with `search`; without it, there is nothing to "
            "match, so it means hot)."
        ),
    ),
    OpenApiParameter(
        "search",
        {"type": "string", "maxLength": search.MAX_QUERY_LENGTH},
        description=(
            'Full-text search, up to 200 characters: words, `"phrases"`, `-word`, `a or b`, '
            "and `tag:`, `channel:`, `author:`, `domain:`, `entity:` (docs/search.md)."
        ),
    ),
    OpenApiParameter(
        "period",
        str,
        enum=list(TOP_PERIODS),
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
            page = post_search(
                viewer=request.user,
                query=query,
                order=choice_param(request, "order", list(search.SEARCH_ORDERS), "relevance"),
                period=choice_param(request, "period", list(TOP_PERIODS), "all"),
                queryset=filtered_posts(request),
                after=request.query_params.get("cursor") or None,
                page_size=page_size_param(request),
            )
            data = PostSerializer(page.items, many=True, context={"request": request}).data
            return paginated_response(request, page=page, data=data)
        order = choice_param(request, "order", [*ORDERINGS, "relevance"], "hot")
        if order == "relevance":
            order = "hot"  # nothing to match without `search`: the default ranking
        period = choice_param(request, "period", list(TOP_PERIODS), "all")
        page = feed_list(
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
        post = post_get_for_page(short_id=short_id, viewer=request.user)
        return Response(PostDetailSerializer(post, context={"request": request}).data)
