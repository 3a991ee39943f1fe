from __future__ import annotations

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
