"""The viewer's notifications through /api/v1/me/: list them, mark them read
(docs/api.md#comments-and-notifications)."""

from __future__ import annotations

from typing import cast

from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import User
from core.api import PAGE_PARAMETERS, list_response, paginated
from core.permissions import Authenticated
from discussion.api.serializers import (
    MARK_READ_MAX_IDS,
    MARKED,
    NotificationSerializer,
    NotificationsReadSerializer,
)
from discussion.selectors import notifications_for
from discussion.services.notifications import notifications_mark_read


class MyNotificationsView(APIView):
    permission_classes = [Authenticated]

    @extend_schema(
        summary="Your notifications, newest first",
        description=(
            "A reply to your post or comment, or your @username in a comment. Any token scope "
            "may read them; marking them read needs write scope."
        ),
        parameters=PAGE_PARAMETERS,
        responses=paginated(NotificationSerializer),
        operation_id="me_notifications_list",
    )
    def get(self, request: Request) -> Response:
        return list_response(
            request,
            fetch=lambda after, size: notifications_for(
                user=cast(User, request.user), after=after, page_size=size
            ),
            serializer_class=NotificationSerializer,
        )


class MyNotificationsReadView(APIView):
    """Writing, so the default permission: a logged-in account, and a token with write scope."""

    @extend_schema(
        summary="Mark notifications read",
        description=(
            f"`ids` (up to {MARK_READ_MAX_IDS}) marks those; `{{}}` marks them all. Ids that are "
            "not yours or already read are skipped: `marked` counts what changed."
        ),
        request=NotificationsReadSerializer,
        responses=MARKED,
        operation_id="me_notifications_read",
    )
    def post(self, request: Request) -> Response:
        serializer = NotificationsReadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        marked = notifications_mark_read(
            user=cast(User, request.user), ids=serializer.validated_data.get("ids")
        )
        return Response({"marked": marked})
