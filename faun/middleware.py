"""A shared cache of anonymous pages, served before sessions and authentication run.

Readers without a session see the same feed, so their GET responses are cached in Redis for
ANONYMOUS_CACHE_SECONDS (a short TTL rather than invalidation: votes arrive every second on a busy
site, and a 30-second-old anonymous front page is what Hacker News and Lobsters readers get too).
A request with a session cookie or an Authorization header always goes to the view. When the
cache fails, pages are served from the database (core/cache.py,
docs/operations.md#when-redis-is-down).

ControlCharactersMiddleware, earlier in MIDDLEWARE, refuses requests that no page can have asked
for (a control character in the path or in a query parameter) before any cache, file or view
sees them. RequestIdMiddleware, earlier still, gives each request the id its log lines carry.
ReplicaRoutingMiddleware, right after the page cache, decides which requests may read from a
replica (docs/operations.md#read-replicas).
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable
from contextlib import ExitStack

from django.conf import settings
from django.core.cache import cache
from django.db import connections
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.cache import get_conditional_response, patch_response_headers
from django.utils.encoding import escape_uri_path

from core.cache import cache_call
from core.logs import log_context_bind, log_context_reset, request_id_from_header
from core.replicas import PIN_COOKIE, pinned, replica_failed, replica_reads
from core.text import text_problem
from faun.metrics import timed_query

INVALID_FIELDS = "The request has invalid fields."

access_logger = logging.getLogger("faun.access")


class RequestIdMiddleware:
    """Gives each request an id: the `X-Request-ID` a proxy sent when it is sane, else a new one
    (core.logs.request_id_from_header). Every log line of the request carries it, and so do the
    tasks it enqueues (faun/celery.py); the response echoes it in `X-Request-ID`, and one access
    line per request says method, path, status and duration (docs/operations.md#logs).

    Before every other faun middleware, so pages from the anonymous cache, static files, HTTPS
    redirects and responses refused by later middleware carry an id too."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        request_id = request_id_from_header(request.META.get("HTTP_X_REQUEST_ID"))
        request.request_id = request_id  # for the lines Django logs after the middleware
        token = log_context_bind(request_id=request_id)
        try:
            response = self.get_response(request)
            response["X-Request-ID"] = request_id
            duration_ms = round((time.perf_counter() - started) * 1000, 1)
            # The path as it would be sent (percent-encoded), so a decoded line break or control
            # character cannot forge a line in plain logs; the query string is left out.
            path = escape_uri_path(request.path)
            access_logger.info(
                "%s %s %s %.1f ms",
                request.method,
                path,
                response.status_code,
                duration_ms,
                extra={
                    "method": request.method,
                    "path": path,
                    "status": response.status_code,
                    "duration_ms": duration_ms,
                },
            )
            return response
        finally:
            log_context_reset(token)


def _printable(name: str) -> str:
    return "".join(char for char in name if text_problem(char) is None)[:40]


def _api_error(status: int, **error: object) -> JsonResponse:
    # The API's error shape (core.api.error_body), built here: importing core.api loads DRF's
    # views, whose settings import core.api's throttles, a cycle when middleware loads first.
    return JsonResponse({"error": error}, status=status)


class ControlCharactersMiddleware:
    """Answers 404 for a path that no page has, and 400 for a query parameter that no text a user
    writes can hold, before static files, the page cache or any view sees the request.

    The rule is core.text.text_problem's (control characters, lone surrogates, U+FFFE, U+FFFF):
    no slug, handle, username, short id or token holds such a character, so a path with one names
    nothing; and in a query parameter, NUL breaks PostgreSQL queries (psycopg refuses it) and a
    line break breaks the headers a value is copied into. Checked here once rather than in every
    view (docs/operations.md#hostile-requests). The API answers in its JSON error shape, pages
    with the site's 404 and 400 pages.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        api = request.path.startswith("/api/")
        if text_problem(request.path) is not None:
            if api:
                return _api_error(404, code="not_found", message="Not found.")
            raise Http404("control character in the path")
        for name, values in request.GET.lists():
            problem = text_problem(name) or next(filter(None, map(text_problem, values)), None)
            if problem is None:
                continue
            if api:
                fields = {_printable(name): [problem]}
                return _api_error(400, code="invalid", message=INVALID_FIELDS, fields=fields)
            message = f"The “{_printable(name)}” parameter in the address cannot be used. {problem}"
            return render(request, "400.html", {"message": message}, status=400)
        return self.get_response(request)


# Search results too: a popular query ("kubernetes") is asked by many visitors at once, and each
# uncached search costs PostgreSQL its ranking and highlighting (docs/search.md#performance).
CACHEABLE_PREFIXES = (
    "/newest/",
    "/top/",
    "/t/",
    "/@",
    "/channels/",
    "/feeds/",
    "/p/",
    "/api/v1/",
    "/search",
)
NEVER = ("/feeds/my/", "/api/v1/me/")


def _cacheable_path(path: str) -> bool:
    if path.startswith(NEVER):
        return False
    return path == "/" or path.startswith(CACHEABLE_PREFIXES)


def _store(key: str, response: HttpResponse, seconds: int) -> bool:
    cache.set(key, response, seconds)
    return True


class AnonymousPageCacheMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        seconds = settings.ANONYMOUS_CACHE_SECONDS
        if (
            seconds <= 0
            or request.method not in ("GET", "HEAD")
            or settings.SESSION_COOKIE_NAME in request.COOKIES
            or "messages" in request.COOKIES  # a flash message waits for this reader
            or PIN_COOKIE in request.COOKIES  # this reader just wrote: fresh pages for a while
            or "HTTP_AUTHORIZATION" in request.META
            or not _cacheable_path(request.path)
        ):
            return self.get_response(request)
        raw = "|".join(
            (
                request.get_full_path(),
                request.META.get("HTTP_ACCEPT", ""),
                request.META.get("HTTP_ORIGIN", ""),
                request.get_host(),
            )
        )
        key = "anon-page:" + hashlib.sha256(raw.encode()).hexdigest()
        cached = cache_call("page cache read", lambda: cache.get(key), None)
        if cached is not None:
            cached["X-Cache"] = "hit"
            return get_conditional_response(request, etag=cached.get("ETag"), response=cached)
        response = self.get_response(request)
        # Never share a response that sets a cookie (CSRF, messages) or is not a plain 200.
        if response.status_code == 200 and not response.cookies and not response.streaming:
            # Django renders template and DRF responses before outer middleware sees them.
            patch_response_headers(response, cache_timeout=seconds)
            if cache_call("page cache write", lambda: _store(key, response, seconds), False):
                response["X-Cache"] = "miss"
        return response


# Browser features no page here uses, switched off for the page and anything it embeds, so an
# injected script or a framed page cannot ask for them. docs/operations.md#security-headers
PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer",
        "autoplay",
        "browsing-topics",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "interest-cohort",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "usb",
    )
)


class PermissionsPolicyMiddleware:
    """Adds the Permissions-Policy header to every response (Django has no setting for it)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        return response


class QueryTimingMiddleware:
    """Times each SQL statement of a request, on the primary or a replica, for /metrics
    (faun.metrics.DB_QUERY_SECONDS) through Django's execute wrapper: a few microseconds a
    statement."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with ExitStack() as stack:
            for alias in connections:
                stack.enter_context(connections[alias].execute_wrapper(timed_query))
            return self.get_response(request)


class ReplicaRoutingMiddleware:
    """Lets a request read from a replica (core.replicas) when it is a GET or HEAD from a visitor
    without a session, a token or a recent write; and pins a visitor who wrote (a POST, PUT,
    PATCH or DELETE, or a GET that wrote, such as an emailed confirmation link) to the primary for
    DATABASE_REPLICA_PIN_SECONDS with a cookie, so they see their own write on the next pages
    (docs/operations.md#read-replicas). Does nothing without replicas."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not settings.DATABASE_REPLICAS:
            return self.get_response(request)
        safe = request.method in ("GET", "HEAD", "OPTIONS")
        eligible = (
            request.method in ("GET", "HEAD")
            and settings.SESSION_COOKIE_NAME not in request.COOKIES
            and "HTTP_AUTHORIZATION" not in request.META
            and not pinned(request.COOKIES.get(PIN_COOKIE))
        )
        with replica_reads(eligible=eligible) as routing:
            response = self.get_response(request)
        if routing.failed:
            # The replica went away while the view read it (process_exception): the view wrote
            # nothing, so it answers again from the primary instead of with a 500.
            with replica_reads(eligible=False) as routing:
                response = self.get_response(request)
        if not safe or routing.wrote:
            seconds = settings.DATABASE_REPLICA_PIN_SECONDS
            response.set_cookie(
                PIN_COOKIE,
                f"{time.time() + seconds:.3f}",
                max_age=seconds,
                secure=settings.SESSION_COOKIE_SECURE,
                httponly=True,
                samesite="Lax",
            )
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        """A database error from the replica the view was reading: note it (core.replicas) and
        hand back a stand-in that __call__ replaces by answering again from the primary. Any
        other exception takes Django's usual way (a 500, logged)."""
        if replica_failed(exception):
            return HttpResponse(status=503)
        return None
