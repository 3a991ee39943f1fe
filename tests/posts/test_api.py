"""The read side of /api/v1/: posts, tags, channels, users; filters, cursors, errors, ETags."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from posts.services.voting import vote_cast
from tests.accounts.factories import UserFactory
from tests.posts.factories import ChannelFactory, ChannelMembershipFactory, PostFactory, TagFactory

pytestmark = pytest.mark.django_db


def ids(response) -> list[str]:
    return [item["id"] for item in response.json()["results"]]


def test_post_list_returns_posts_with_their_parts(client):
    channel = ChannelFactory(handle="kaptain")
    post = PostFactory(
        title="K8s 2.0",
        url="https://www.k8s.example/news",
        channel=channel,
        tags=[TagFactory(slug="kubernetes")],
        tldr=["One", "Two"],
    )
    body = client.get("/api/v1/posts/").json()
    assert body["next"] is None
    (item,) = body["results"]
    assert item["id"] == post.short_id
    assert item["title"] == "K8s 2.0"
    assert item["link"] == "https://www.k8s.example/news"
    assert item["domain"] == "k8s.example"
    assert item["tldr"] == ["One", "Two"]
    assert item["tags"] == ["kubernetes"]
    assert item["channel"] == {"handle": "kaptain", "name": channel.name}
    assert item["author"]["username"] == post.author.username
    assert item["html_url"].endswith(post.get_absolute_url())
    assert item["viewer"] is None


def test_post_detail_has_key_numbers_timeline_and_body(client):
    post = PostFactory(
        body="Some **bold** text",
        key_facts=[("6.1", "Kernel version.")],
        timeline=[("Merged.", None, "2022")],
    )
    body = client.get(f"/api/v1/posts/{post.short_id}/").json()
    assert body["key_facts"] == [{"value": "6.1", "description": "Kernel version."}]
    assert body["timeline"] == [{"date": None, "when": "2022", "description": "Merged."}]
    assert "<strong>bold</strong>" in body["body_html"]
    assert body["status"] == "published"


def test_orders_and_periods(client):
    now = timezone.now()
    old = PostFactory(published_at=now - timedelta(days=10))
    new = PostFactory(published_at=now - timedelta(hours=1))
    vote_cast(user=UserFactory(), post=old)
    assert ids(client.get("/api/v1/posts/?order=newest")) == [new.short_id, old.short_id]
    assert ids(client.get("/api/v1/posts/?order=top&period=all")) == [old.short_id, new.short_id]
    assert ids(client.get("/api/v1/posts/?order=top&period=week")) == [new.short_id]


def test_filters_by_tags_channel_author_domain_and_dates(client):
    rust, go = TagFactory(slug="rust"), TagFactory(slug="go")
    channel = ChannelFactory(handle="golangissues")
    author = ChannelMembershipFactory(channel=channel).user
    both = PostFactory(tags=[rust, go], url="https://lwn.example/a", author=author, channel=channel)
    only_rust = PostFactory(tags=[rust], published_at=timezone.now() - timedelta(days=3))
    PostFactory(tags=[TagFactory(slug="python")])
    assert sorted(ids(client.get("/api/v1/posts/?tag=rust,go"))) == sorted(
        [both.short_id, only_rust.short_id]
    )
    assert ids(client.get("/api/v1/posts/?channel=golangissues")) == [both.short_id]
    assert ids(client.get(f"/api/v1/posts/?author={author.username.upper()}")) == [both.short_id]
    assert ids(client.get("/api/v1/posts/?domain=lwn.example")) == [both.short_id]
    since = (timezone.now() - timedelta(days=1)).isoformat()
    response = client.get("/api/v1/posts/", {"tag": "rust", "published_after": since})
    assert ids(response) == [both.short_id]


def test_cursor_pages_through_everything_once_with_link_headers(client):
    for _ in range(7):
        PostFactory()
    seen: list[str] = []
    url = "/api/v1/posts/?order=newest&page_size=3"
    pages = 0
    while url:
        response = client.get(url)
        assert response.status_code == 200
        seen += ids(response)
        url = response.json()["next"]
        assert (response.headers.get("Link") is not None) == bool(url)
        pages += 1
    assert pages == 3
    assert len(seen) == len(set(seen)) == 7


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("bogus=1", "bogus"),
        ("page_size=0", "page_size"),
        ("page_size=101", "page_size"),
        ("page_size=ten", "page_size"),
        ("cursor=not-a-cursor", "cursor"),
        ("order=sideways", "order"),
        ("period=decade", "period"),
        ("published_after=yesterday", "published_after"),
    ],
)
def test_bad_query_parameters_answer_400_with_field_errors(client, query, field):
    response = client.get(f"/api/v1/posts/?{query}")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert field in error["fields"]


def test_unknown_and_unpublished_posts_are_404_in_json(client):
    from posts.models import Post

    draft = PostFactory(status=Post.Status.DRAFT, published_at=None)
    for url in ("/api/v1/posts/nope/", f"/api/v1/posts/{draft.short_id}/"):
        response = client.get(url)
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not_found"


def test_tags_channels_users_lists_and_details(client):
    TagFactory(slug="b-tag")
    TagFactory(slug="a-tag")
    channel = ChannelFactory(handle="devopslinks")
    member = ChannelMembershipFactory(channel=channel, role="owner").user
    assert [t["slug"] for t in client.get("/api/v1/tags/").json()["results"]] == ["a-tag", "b-tag"]
    assert client.get("/api/v1/tags/a-tag/").json()["slug"] == "a-tag"
    assert client.get("/api/v1/channels/").json()["results"][0]["handle"] == "devopslinks"
    detail = client.get("/api/v1/channels/devopslinks/").json()
    assert detail["members"] == [
        {"username": member.username, "display_name": member.display_name, "role": "owner"}
    ]
    profile = client.get(f"/api/v1/users/{member.username}/").json()
    assert profile["username"] == member.username
    assert "email" not in profile
    assert client.get("/api/v1/users/").status_code == 200
    assert client.get("/api/v1/tags/none/").status_code == 404


def test_me_needs_authentication_and_shows_the_viewer(client):
    response = client.get("/api/v1/me/")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"
    user = UserFactory()
    client.force_login(user)
    body = client.get("/api/v1/me/").json()
    assert body["username"] == user.username
    assert body["email"] == user.email
    assert body["verified"] is True


def test_viewer_state_is_shown_to_a_logged_in_reader(client):
    post = PostFactory()
    user = UserFactory()
    vote_cast(user=user, post=post)
    client.force_login(user)
    (item,) = client.get("/api/v1/posts/").json()["results"]
    assert item["viewer"] == {"voted": True, "saved": False}


def test_conditional_get_answers_304_for_an_unchanged_list(client):
    PostFactory()
    first = client.get("/api/v1/posts/")
    etag = first.headers["ETag"]
    again = client.get("/api/v1/posts/", headers={"if-none-match": etag})
    assert again.status_code == 304
    PostFactory()
    changed = client.get("/api/v1/posts/", headers={"if-none-match": etag})
    assert changed.status_code == 200


@pytest.mark.parametrize("size", [10, 25, 100])
def test_post_list_query_count_is_constant_in_page_size(client, size):
    call_command(
        "generate_synthetic", posts=100, users=5, votes=100, tags=3, channels=2, quiet=True
    )
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(f"/api/v1/posts/?page_size={size}")
    assert len(response.json()["results"]) == size
    assert len(ctx.captured_queries) == 2  # posts (joined) + tags prefetch


def test_schema_is_served_and_docs_render_offline(client):
    schema = client.get("/api/schema/?format=json")
    assert schema.status_code == 200
    docs = client.get("/api/docs/").content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/" in docs
    assert "cdn" not in docs.lower()


def test_cors_allows_reads_from_configured_origins(client, settings):
    settings.CORS_ALLOWED_ORIGINS = ["https://reader.example"]
    response = client.get("/api/v1/posts/", headers={"origin": "https://reader.example"})
    assert response.headers["Access-Control-Allow-Origin"] == "https://reader.example"
    other = client.get("/api/v1/posts/", headers={"origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in other.headers
