"""Directory reads: the tag and channel lists and their detail pages."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import PAGE_PARAMETERS, list_response, paginated
from core.pagination import keyset_paginate
from posts.api.serializers import TagSerializer
from posts.models import Channel, Tag
from posts.selectors.directory import BY_HANDLE, BY_SLUG, channel_get, tag_get


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
                Tag.objects.all(), ordering=BY_SLUG, after=after, page_size=size
            ),
            serializer_class=TagSerializer,
        )


class TagDetailView(APIView):
    @extend_schema(summary="A tag", responses=TagSerializer)
    def get(self, request: Request, slug: str) -> Response:
        return Response(TagSerializer(tag_get(slug=slug)).data)


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
                Channel.objects.all(), ordering=BY_HANDLE, after=after, page_size=size
            ),
            serializer_class=ChannelSerializer,
        )


class ChannelDetailView(APIView):
    @extend_schema(summary="A channel with its members", responses=ChannelDetailSerializer)
    def get(self, request: Request, handle: str) -> Response:
        channel = channel_get(handle=handle)
        return Response(ChannelDetailSerializer(channel, context={"request": request}).data)
