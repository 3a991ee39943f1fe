"""What every API endpoint shares: the error format, keyset pagination responses, permissions,
throttles and the /api/ URL tree (v1 resources, OpenAPI schema and offline docs)."""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from typing import Any, cast

from django.conf import settings as django_settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, OpenApiTypes, inline_serializer
from rest_framework import exceptions, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle
from rest_framework.utils.urls import replace_query_param
from rest_framework.views import exception_handler as drf_exception_handler

from core.cache import cache_call
from core.pagination import InvalidCursor, KeysetPage

ERROR_CODES = {
    400: "invalid",
    401: "not_authenticated",
    403: "permission_denied",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    429: "throttled",
}


def error_body(*, code: str, message: str, fields: dict[str, Any] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"error": {"code": code, "message": message}}
    if fields:
        body["error"]["fields"] = fields
    return body


class RequestTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The request body is too large."
    default_code = "too_large"


class RateLimited(exceptions.Throttled):
    """A service's own limit (comments a day, a new account's pace), not a throttle: 429 with
    Retry-After and the code `rate_limited`. The message is the service's, which already says
    when to try again ("You can post again in 2 minutes."): DRF's "Expected available in 100
    seconds." would add a second figure, rounded otherwise. Retry-After keeps the exact wait."""

    default_code = "rate_limited"

    def __init__(
        self, wait: float | None = None, detail: str | None = None, code: str | None = None
    ) -> None:
        super().__init__(wait=None, detail=detail, code=code)
        self.wait = None if wait is None else math.ceil(wait)


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Every 4xx answers {"error": {"code", "message", "fields"?}}; unknown errors stay 500s."""
    if isinstance(exc, RequestDataTooBig):
        # Django's own answer would be its HTML 400 page (docs/api.md#errors).
        limit = django_settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        exc = RequestTooLarge(f"The request body is over the limit of {limit} bytes.")
    if isinstance(exc, InvalidCursor):
        exc = exceptions.ValidationError({"cursor": ["Invalid cursor."]})
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    if isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    response = drf_exception_handler(exc, context)
    if response is None or not isinstance(exc, exceptions.APIException):
        return response
    fields = None
    detail = exc.detail
    if isinstance(detail, dict):
        fields = {key: _flatten(value) for key, value in detail.items()}
        message = "The request has invalid fields."
    else:
        message = " ".join(_flatten(detail)) or "Invalid request."
    if isinstance(exc, exceptions.ValidationError):
        code = "invalid"
    elif isinstance(detail, dict):
        code = exc.default_code
        message = str(exc.default_detail)
    else:
        codes = exc.get_codes()
        code = codes if isinstance(codes, str) else ERROR_CODES.get(response.status_code, "error")
    response.data = error_body(code=code, message=message, fields=fields)
    return response


def _flatten(value: Any) -> list[str]:
    if isinstance(value, list | tuple):
        return [text for item in value for text in _flatten(item)]
    if isinstance(value, dict):
        return [f"{key}: {text}" for key, item in value.items() for text in _flatten(item)]
    return [str(value)]


class SettingsRateMixin:
    """Read the rate from settings on each request, so an operator's (or a test's) change applies
    without a restart of the class attribute DRF caches at import."""

    scope: str

    def get_rate(self) -> str | None:
        rates = cast(
            dict[str, str | None], django_settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
        )
        return rates.get(self.scope)

    def allow_request(self, request: Request, view: Any) -> bool:
        # The request history lives in the cache: without it, let the request through rather
        # than fail it (core/cache.py, docs/operations.md#when-redis-is-down).
        allow = super().allow_request  # type: ignore[misc]
        return cache_call(f"API throttle {self.scope}", lambda: allow(request, view), True)


class AnonThrottle(SettingsRateMixin, AnonRateThrottle):
    pass


class UserThrottle(SettingsRateMixin, UserRateThrottle):
    pass


class WriteRateThrottle(SettingsRateMixin, UserRateThrottle):
    """A tighter limit for requests that change something (POST, PATCH, PUT, DELETE)."""

    scope = "write"

    def allow_request(self, request: Request, view: Any) -> bool:
        if request.method in ("GET", "HEAD", "OPTIONS"):
            return True
        return super().allow_request(request, view)


PAGE_PARAMETERS = [
    OpenApiParameter(
        "cursor",
        OpenApiTypes.STR,
        description="Opaque cursor from the previous page's `next` link.",
    ),
    OpenApiParameter(
        "page_size",
        # Raw schema so the bounds the API enforces (page_size_param) are in the schema too.
        {"type": "integer", "minimum": 1, "maximum": 100, "default": 25},
        description="Items per page, 1 to 100 (default 25).",
    ),
]


@functools.cache
def paginated(serializer_class: type[serializers.Serializer]) -> serializers.Serializer:
    """The schema of a keyset page of `serializer_class` items, for @extend_schema(responses=)."""
    name = serializer_class.__name__.removesuffix("Serializer")
    return inline_serializer(
        name=f"Paginated{name}List",
        fields={
            "next": serializers.URLField(allow_null=True, help_text="The next page, or null."),
            "results": serializer_class(many=True),
        },
    )


def page_size_param(request: Request, *, default: int = 25, maximum: int = 100) -> int:
    raw = request.query_params.get("page_size")
    if raw is None:
        return default
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 6):
        raise exceptions.ValidationError({"page_size": ["A whole number is required."]})
    size = int(raw)
    if not 1 <= size <= maximum:
        raise exceptions.ValidationError({"page_size": [f"Must be between 1 and {maximum}."]})
    return size


def check_query_params(request: Request, allowed: set[str]) -> None:
    """Refuse unknown query parameters instead of silently ignoring a typo'd filter."""
    unknown = sorted(set(request.query_params) - allowed - {"format"})
    if unknown:
        raise exceptions.ValidationError({name: ["Unknown query parameter."] for name in unknown})


def list_response(
    request: Request,
    *,
    fetch: Callable[[str | None, int], KeysetPage[Any]],
    serializer_class: type[serializers.Serializer],
) -> Response:
    """A list endpoint's whole GET: refuse unknown parameters, read `cursor` and `page_size`,
    fetch one keyset page with `fetch(after, page_size)` and serialize it."""
    check_query_params(request, {"cursor", "page_size"})
    page = fetch(request.query_params.get("cursor") or None, page_size_param(request))
    data = serializer_class(page.items, many=True, context={"request": request}).data
    return paginated_response(request, page=page, data=data)


def paginated_response(request: Request, *, page: KeysetPage[Any], data: list[Any]) -> Response:
    """The page as {"results", "next"} plus an RFC 8288 Link header for the next page."""
    next_url = None
    if page.next_cursor:
        next_url = replace_query_param(request.build_absolute_uri(), "cursor", page.next_cursor)
    response = Response({"next": next_url, "results": data}, status=status.HTTP_200_OK)
    if next_url:
        response["Link"] = f'<{next_url}>; rel="next"'
    return response
