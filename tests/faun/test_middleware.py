"""A control character in the path is a 404, in a query parameter a 400, in the API's JSON error
shape under /api/, before any view or query runs (faun.middleware.ControlCharactersMiddleware).
On PostgreSQL each of these was a 500: psycopg refuses NUL in a query parameter."""

from __future__ import annotations

import pytest

from tests.posts.factories import ChannelFactory, PostFactory, TagFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _rows():
    TagFactory(slug="alpha")
    ChannelFactory(handle="alpha")
    PostFactory()


@pytest.mark.parametrize(
    "path",
    [
        "/t/a%00b/",
        "/@a%00b/",
        "/u/a%00b/",
        "/p/a%00b/",
        "/p/a%00b/some-slug/",
        "/@a%00b/newsletter/",
        "/feeds/t/a%00b.rss",
        "/feeds/c/%00.atom",
        "/t/a%0Ab/",
        "/u/%EF%BF%BF/",
        "/static/a%00b.css",
    ],
)
def test_a_control_character_in_the_path_is_the_404_page(client, path):
    response = client.get(path)
    assert response.status_code == 404
    assert "Nothing here" in response.content.decode()


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/posts/a%00b/",
        "/api/v1/tags/a%00b/",
        "/api/v1/channels/a%00b/",
        "/api/v1/users/a%00b/",
        "/api/v1/posts/%00/save/",
    ],
)
def test_the_api_answers_such_a_path_with_its_json_404(client, path):
    for response in (client.get(path), client.post(path, "{}", content_type="application/json")):
        assert response.status_code == 404
        assert response.json() == {"error": {"code": "not_found", "message": "Not found."}}


def test_post_actions_with_a_control_character_in_the_path_are_404(member_client):
    for path in ("/p/a%00b/-/vote/", "/@a%00b/-/follow/", "/t/%00/-/hide/"):
        assert member_client.post(path).status_code == 404


@pytest.mark.parametrize(
    "url",
    [
        "/search?q=a%00b",
        "/newest/?after=a%00b",
        "/feeds/search.rss?q=a%00b",
        "/submit/check/?url=https://example.com/a&exclude=a%00b",
    ],
)
def test_nul_in_a_query_parameter_is_the_400_page(member_client, url):
    response = member_client.get(url)
    assert response.status_code == 400
    assert "cannot be used" in response.content.decode()


def test_the_api_answers_nul_in_a_query_parameter_with_a_field_error(client):
    response = client.get("/api/v1/posts/?tag=a%00b")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert "U+0000" in error["fields"]["tag"][0]


def test_a_line_break_in_a_query_parameter_never_reaches_a_header(client):
    # drf-spectacular copies ?version= into Content-Disposition: a line break there was a 500.
    response = client.get("/api/schema/?version=a%0Ab")
    assert response.status_code == 400
    assert response.json()["error"]["fields"]["version"] == ["Keep this to one line."]


def test_ordinary_paths_and_parameters_pass(client):
    assert client.get("/t/alpha/").status_code == 200
    assert client.get("/search?q=caf%C3%A9+%F0%9F%A6%80").status_code == 200
    assert client.get("/api/v1/posts/?tag=alpha").status_code == 200
