from __future__ import annotations

import base64
import json
from datetime import datetime

import pytest

from core.pagination import InvalidCursor, Ordering, decode_cursor, encode_cursor
from tests.posts.factories import PostFactory

HOT = Ordering("hotness", float)
NEWEST = Ordering("published_at", datetime)


@pytest.mark.django_db
def test_cursor_round_trips_exact_values():
    post = PostFactory()
    assert decode_cursor(HOT, encode_cursor(HOT, post)) == (post.hotness, post.pk)
    assert decode_cursor(NEWEST, encode_cursor(NEWEST, post)) == (post.published_at, post.pk)


@pytest.mark.django_db
def test_cursor_from_another_ordering_is_refused():
    post = PostFactory()
    with pytest.raises(InvalidCursor):
        decode_cursor(NEWEST, encode_cursor(HOT, post))


@pytest.mark.parametrize("cursor", ["", "!!!", "bnVsbA", "WzEsMiwzXQ", "W1wiaG90bmVzc1wiXQ"])
def test_malformed_cursors_raise_invalid_cursor(cursor):
    with pytest.raises(InvalidCursor):
        decode_cursor(HOT, cursor)


@pytest.mark.django_db
def test_ascending_orderings_page_forward_without_repeats(client):
    from tests.posts.factories import TagFactory

    for slug in ("delta", "alpha", "echo", "bravo", "charlie"):
        TagFactory(slug=slug)
    seen = []
    url = "/api/v1/tags/?page_size=2"
    while url:
        body = client.get(url).json()
        seen += [tag["slug"] for tag in body["results"]]
        url = body["next"]
    assert seen == ["alpha", "bravo", "charlie", "delta", "echo"]


def _cursor(*parts):
    return base64.urlsafe_b64encode(json.dumps(list(parts)).encode()).decode().rstrip("=")


_DEEP = base64.urlsafe_b64encode(b"[" * 100_000).decode()
BY_SLUG = Ordering("slug", str, descending=False)
TOP = Ordering("score", int)


@pytest.mark.parametrize(
    ("ordering", "cursor"),
    [
        (BY_SLUG, _cursor("slug", "a\x00b", 1)),  # psycopg refuses NUL: a 500 on PostgreSQL
        (BY_SLUG, _cursor("slug", "a\nb", 1)),
        (HOT, _cursor("hotness", float("nan"), 1)),
        (HOT, _cursor("hotness", float("inf"), 1)),
        (TOP, _cursor("score", 2**64, 1)),  # past a 64-bit column: an OverflowError on SQLite
        (HOT, _cursor("hotness", 1.5, 2**63)),
        (HOT, _DEEP),  # "[[[[...": nested too deeply for the JSON parser
    ],
)
def test_cursors_this_site_cannot_have_written_are_refused(ordering, cursor):
    with pytest.raises(InvalidCursor):
        decode_cursor(ordering, cursor)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/tags/?cursor=" + _cursor("slug", "a\x00b", 1),
        "/api/v1/channels/?cursor=" + _cursor("handle", "a\x00b", 1),
        "/api/v1/users/?cursor=" + _cursor("username", "a\x00b", 1),
        "/api/v1/posts/?order=top&cursor=" + _cursor("score", 2**64, 1),
    ],
)
def test_the_api_answers_such_a_cursor_with_400(client, url):
    response = client.get(url)
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"cursor": ["Invalid cursor."]}


@pytest.mark.django_db
def test_pages_answer_such_a_cursor_with_the_400_page(client):
    response = client.get("/top/?after=" + _cursor("score", 2**64, 1))
    assert response.status_code == 400
