"""Every URL pattern of the site, filled with hostile path segments and query parameters, answers
4xx or a redirect, never a 5xx: NUL and other control characters, traversal, overlong UTF-8, an
encoded lone surrogate, a noncharacter, an emoji and a 5,000-character value, and cursors whose
decoded contents are hostile (docs/operations.md#hostile-requests).

The walk reads the patterns from `get_resolver()`, and asks each view which query parameters it
reads, so a route or parameter added later is covered without editing this file. It runs on
SQLite and on PostgreSQL, where psycopg refuses NUL in a string instead of matching nothing.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.http import HttpRequest, HttpResponse, QueryDict
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RegexPattern, RoutePattern
from django.utils.regex_helper import normalize

from accounts.tokens import api_token_create
from tests.accounts.factories import UserFactory
from tests.posts.factories import ChannelFactory, PostFactory, TagFactory

pytestmark = pytest.mark.django_db

# Percent-encoded as a client sends them: the test client decodes PATH_INFO as a WSGI server does.
HOSTILE = [
    "a%00b",
    "%00",
    "..%2F..",
    "%C0%AE",
    "x" * 5000,
    "%F0%9F%92%A9",
    "a%0Ab",
    "%EF%BF%BF",
    "%ED%A0%80",
]
# One row answers to every name, so a route with two parameters reaches its view when the other
# one is valid: a tag, a channel and a user are all called "alpha".
VALID = "alpha"
ROUTE_PARAMETER = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>[^>]+)>")


def _cursor(*parts: Any) -> str:
    raw = json.dumps(list(parts)).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


# Cursors as core/pagination.py writes them, for every ordering field, holding what no cursor
# the site wrote can: NUL in text, integers past 64 bits, NaN, a nested list for the id.
ORDER_FIELDS = ("hotness", "published_at", "score", "created_at", "search_rank")
HOSTILE_CURSORS = [
    cursor
    for field in (*ORDER_FIELDS, "slug", "handle", "username")
    for cursor in (
        _cursor(field, "a\x00b", 1),
        _cursor(field, 10**30, 2**70),
        _cursor(field, float("nan"), [[["a"]]]),
    )
]
CURSOR_PARAMETERS = {"after", "cursor"}


@dataclass(frozen=True)
class Route:
    """A URL pattern as a template: `template % values` is a path."""

    template: str
    names: tuple[str, ...]
    numeric: frozenset[str]

    def path(self, **values: str) -> str:
        if not self.names:
            return "/" + self.template.replace("%%", "%")
        return "/" + self.template % values


def _routes(resolver: URLResolver, prefix: str, numeric: frozenset[str]) -> Iterator[Route]:
    for entry in resolver.url_patterns:
        part, ints = _template(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from _routes(entry, prefix + part, numeric | ints)
        elif isinstance(entry, URLPattern):
            template = prefix + part
            names = tuple(re.findall(r"%\((\w+)\)s", template))
            yield Route(template, names, numeric | ints)


def _template(pattern: object) -> tuple[str, frozenset[str]]:
    if isinstance(pattern, RoutePattern):
        route = str(pattern._route)
        ints = {m["name"] for m in ROUTE_PARAMETER.finditer(route) if m["converter"] == "int"}
        template = ROUTE_PARAMETER.sub(lambda m: f"%({m['name']})s", route.replace("%", "%%"))
        return template, frozenset(ints)
    assert isinstance(pattern, RegexPattern)
    [(template, _names), *_] = normalize(pattern._regex)
    return template, frozenset()


def all_routes() -> list[Route]:
    return sorted(set(_routes(get_resolver(), "", frozenset())), key=lambda r: r.template)


def valid_values(route: Route, ids: dict[str, str]) -> dict[str, str]:
    return {name: ids.get(name, "1" if name in route.numeric else VALID) for name in route.names}


def hostile_paths(route: Route, ids: dict[str, str]) -> Iterator[str]:
    """Each parameter in turn gets each hostile segment; the others keep a valid value."""
    if not route.names:
        yield route.path()
        return
    for name in route.names:
        for segment in HOSTILE:
            yield route.path(**{**valid_values(route, ids), name: segment})


@pytest.fixture
def world(member) -> dict[str, str]:
    """Rows behind the valid values, so hostile values reach lookups next to real ones."""
    tag = TagFactory(slug=VALID)
    ChannelFactory(handle=VALID)
    UserFactory(username=VALID)
    post = PostFactory(author=member, title=VALID, tags=[tag])
    return {"short_id": post.short_id, "slug": VALID}


@pytest.fixture
def clients(member) -> dict[str, Client]:
    """Anonymous, logged in, and (for /api/) a write token; 5xx answers come back, not raised."""
    logged_in = Client(raise_request_exception=False)
    logged_in.force_login(member)
    token = api_token_create(user=member, name="walk", scope="write").secret
    return {
        "anonymous": Client(raise_request_exception=False),
        "member": logged_in,
        "token": Client(
            raise_request_exception=False, headers={"authorization": f"Bearer {token}"}
        ),
    }


def send(http: Client, method: str, path: str) -> HttpResponse:
    if method == "post" and path.startswith("/api/"):
        return http.post(path, "{}", content_type="application/json")
    return getattr(http, method)(path)


def server_error(method: str, path: str, who: str, response: HttpResponse) -> str | None:
    if response.status_code < 500:
        return None
    exc = response.exc_info[1] if response.exc_info else None
    return f"{method.upper()} {path[:150]} ({who}): {response.status_code} {exc!r}"


def callers(
    clients: dict[str, Client], path: str, *, session_api: bool = True
) -> Iterator[tuple[str, Client]]:
    """Who sends `path`: everyone, but the token only to the API (and, without `session_api`,
    the session only to pages)."""
    api = path.startswith("/api/")
    for who, http in clients.items():
        if (who != "token" or api) and (who != "member" or session_api or not api):
            yield who, http


def test_the_walk_covers_every_route():
    templates = {route.template for route in all_routes()}
    # A few known routes, as a check that the walk descends into every include().
    for expected in (
        "p/%(short_id)s/-/vote/",
        "api/v1/posts/%(short_id)s/",
        "@%(handle)s/newsletter/%(period)s/",
        "feeds/t/%(slug)s.rss",
        "password/reset/%(uidb64)s/%(token)s/",
        "admin/posts/post/%(object_id)s/change/",
        "healthz",
    ):
        assert expected in templates
    assert len(templates) > 150


def test_hostile_path_segments_never_answer_5xx(clients, world, settings):
    settings.ANONYMOUS_CACHE_SECONDS = 30  # the page cache sees every anonymous GET too
    failures = []
    for route in all_routes():
        for path in hostile_paths(route, world):
            for who, http in callers(clients, path):
                for method in ("get", "post"):
                    failures.append(server_error(method, path, who, send(http, method, path)))
    failures = [failure for failure in failures if failure]
    assert not failures, f"{len(failures)} server errors:\n" + "\n".join(failures)


# --- query parameters -------------------------------------------------------------------------

_reads: set[str] = set()


class _RecordingQueryDict(QueryDict):
    """request.GET that notes each parameter a view looks up."""

    def __getitem__(self, key: str) -> Any:
        _reads.add(key)
        return super().__getitem__(key)

    def __contains__(self, key: object) -> bool:
        _reads.add(str(key))
        return super().__contains__(key)

    def getlist(self, key: str, default: Any = None) -> list[Any]:
        _reads.add(key)
        return super().getlist(key, default)


class RecordQueryReads:
    """Test-only middleware (first in MIDDLEWARE here): swaps in the recording request.GET."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.GET = _RecordingQueryDict(request.META.get("QUERY_STRING", ""))
        return self.get_response(request)


def parameters_read(http: Client, method: str, path: str, seen: list[HttpResponse]) -> set[str]:
    """The query parameters the view behind `path` reads. Some are read only once others are
    set (a search reads its cursor only with a query), so ask again with what it read, set to
    harmless values, until nothing new turns up. The answers go to `seen`, to be checked too."""
    read: set[str] = set()
    for _ in range(4):
        harmless = {name: VALID for name in read - CURSOR_PARAMETERS}
        query = "?" + "&".join(f"{name}={value}" for name, value in harmless.items())
        _reads.clear()
        seen.append(send(http, method, path + (query if harmless else "")))
        if _reads <= read:
            break
        read |= _reads
    return read


def test_hostile_query_parameters_never_answer_5xx(clients, world, settings):
    settings.ANONYMOUS_CACHE_SECONDS = 30
    settings.MIDDLEWARE = [f"{__name__}.RecordQueryReads", *settings.MIDDLEWARE]
    failures, checked = [], 0
    for route in all_routes():
        if route.template.startswith("admin/"):
            continue  # staff only; the path walk covers the admin's routes
        path = route.path(**valid_values(route, world))
        # The path walk sends the API a session too; here the token stands for both.
        for who, http in callers(clients, path, session_api=False):
            for method in ("get", "post"):
                asked: list[HttpResponse] = []
                read = parameters_read(http, method, path, asked)
                failures += [server_error(method, path, who, response) for response in asked]
                if asked[0].status_code == 405:
                    continue  # the view refused the method: only what GET already covers ran
                for name in sorted(read):
                    values = HOSTILE + (HOSTILE_CURSORS if name in CURSOR_PARAMETERS else [])
                    for value in values:
                        url = f"{path}?{name}={value}"
                        failures.append(server_error(method, url, who, send(http, method, url)))
                        checked += 1
    failures = [failure for failure in failures if failure]
    assert not failures, f"{len(failures)} server errors:\n" + "\n".join(failures)
    assert checked > 500  # the views were asked, and answered, about their parameters
