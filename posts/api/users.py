"""REST API for users (public profiles, which list their posts on the site) and the
authenticated viewer (`me`)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import User
from core.api import (
    PAGE_PARAMETERS,
    list_response,
    paginated,
)
from core.pagination import Ordering, keyset_paginate
from core.permissions import Authenticated
from posts.selectors.directory import user_get_public

BY_USERNAME = Ordering("username", str, descending=False)


class PublicUserSerializer(serializers.ModelSerializer):
    html_url = serializers.SerializerMethodField()
    website = serializers.CharField(read_only=True, help_text="A URL, or empty.")

    class Meta:
        model = User
        fields = ["username", "display_name", "bio", "website", "date_joined", "html_url"]
        read_only_fields = fields

    def get_html_url(self, user: User) -> str:
        request = self.context.get("request")
        path = user.get_absolute_url()
        return request.build_absolute_uri(path) if request else path


class MeSerializer(PublicUserSerializer):
    verified = serializers.BooleanField(source="is_verified", read_only=True)

    class Meta(PublicUserSerializer.Meta):
        fields = [*PublicUserSerializer.Meta.fields, "email", "verified"]
        read_only_fields = fields


class UserListView(APIView):
    @extend_schema(
        summary="List users",
        parameters=PAGE_PARAMETERS,
        responses=paginated(PublicUserSerializer),
        operation_id="users_list",
    )
    def get(self, request: Request) -> Response:
        return list_response(
            request,
            fetch=lambda after, size: keyset_paginate(
                User.objects.filter(is_active=True),
                ordering=BY_USERNAME,
                after=after,
                page_size=size,
            ),
            serializer_class=PublicUserSerializer,
        )


class UserDetailView(APIView):
    @extend_schema(summary="A user's public profile", responses=PublicUserSerializer)
    def get(self, request: Request, username: str) -> Response:
        user = user_get_public(username=username)
        return Response(PublicUserSerializer(user, context={"request": request}).data)


class MeView(APIView):
    permission_classes = [Authenticated]

    @extend_schema(summary="The authenticated user", responses=MeSerializer)
    def get(self, request: Request) -> Response:
        return Response(MeSerializer(request.user, context={"request": request}).data)
