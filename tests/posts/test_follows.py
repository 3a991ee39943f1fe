"""Following tags, channels and people; My feed; the /following/ page; the private feed."""

from __future__ import annotations

import feedparser
import pytest
from django.db import IntegrityError

from accounts.tokens import api_token_create
from posts.models import FeedToken, Follow, HiddenPost
from posts.selectors import discovery
from posts.selectors.discovery import feed_token_user
from posts.services.follows import (
    FollowNotAllowed,
    feed_token_reset,
    follow_add,
    follow_remove,
    hidden_tag_add,
)
from tests.accounts.factories import UserFactory
from tests.posts.factories import ChannelFactory, ChannelMembershipFactory, PostFactory, TagFactory

pytestmark = pytest.mark.django_db

JSON = {"accept": "application/json"}


@pytest.fixture
def world():
    rust, go, linux = TagFactory(slug="rust"), TagFactory(slug="go"), TagFactory(slug="linux")
    channel = ChannelFactory(handle="devopslinks")
    ada, grace = UserFactory(username="ada"), UserFactory(username="grace")
    ChannelMembershipFactory(channel=channel, user=grace)
    reader = UserFactory(username="reader")
    posts = {
        "rust": PostFactory(title="Rust post", tags=[rust], author=grace),
        "rust_and_linux": PostFactory(title="Rust and Linux", tags=[rust, linux], author=ada),
        "channel": PostFactory(title="Channel post", tags=[go], author=grace, channel=channel),
        "ada": PostFactory(title="Ada's go post", tags=[go], author=ada),
        "other": PostFactory(title="Unfollowed", tags=[go], author=grace),
    }
    return {
        "rust": rust,
        "linux": linux,
        "channel": channel,
        "ada": ada,
        "reader": reader,
        "posts": posts,
    }


@pytest.fixture(params=["sparse", "dense"])
def plan(request, monkeypatch):
    """My feed's two plans (posts.selectors.discovery._followed): the ids the follows reach, or
    the feed's index walked with EXISTS once they reach more than FOLLOWED_SPARSE_LIMIT."""
    if request.param == "dense":
        monkeypatch.setattr(discovery, "FOLLOWED_SPARSE_LIMIT", 0)
    return request.param


def my_titles(client, url="/my/") -> list[str]:
    return [post.title for post in client.get(url).context["page"].items]


def test_follow_services_are_idempotent_and_refuse_following_yourself(world):
    reader = world["reader"]
    assert follow_add(user=reader, target=world["rust"]) is True
    assert follow_add(user=reader, target=world["rust"]) is False
    assert follow_add(user=reader, target=world["channel"]) is True
    assert follow_add(user=reader, target=world["ada"]) is True
    assert Follow.objects.filter(user=reader).count() == 3
    with pytest.raises(FollowNotAllowed, match="yourself"):
        follow_add(user=reader, target=reader)
    assert follow_remove(user=reader, target=world["rust"]) is True
    assert follow_remove(user=reader, target=world["rust"]) is False


def test_the_database_refuses_a_second_follow_or_a_self_follow(world):
    reader = world["reader"]
    Follow.objects.create(user=reader, tag=world["rust"])
    with pytest.raises(IntegrityError):
        Follow.objects.create(user=reader, tag=world["rust"])


def test_my_feed_has_exactly_the_followed_posts_once_each(client, world, plan):
    reader = world["reader"]
    for target in (world["rust"], world["linux"], world["channel"], world["ada"]):
        follow_add(user=reader, target=target)
    client.force_login(reader)
    titles = my_titles(client, "/my/?order=newest")
    # "Rust and Linux" matches three follows (two tags and its author) and is listed once.
    assert titles == ["Ada's go post", "Channel post", "Rust and Linux", "Rust post"]
    assert sorted(my_titles(client)) == sorted(titles)  # hot: the same posts


def test_my_feed_leaves_out_hidden_posts_and_hidden_tags(client, world, plan):
    reader = world["reader"]
    follow_add(user=reader, target=world["ada"])
    follow_add(user=reader, target=world["rust"])
    HiddenPost.objects.create(user=reader, post=world["posts"]["ada"])
    hidden_tag_add(user=reader, tag=world["linux"])
    client.force_login(reader)
    assert my_titles(client) == ["Rust post"]


def test_my_feed_pages_and_asks_visitors_to_log_in(client, world):
    assert client.get("/my/").status_code == 302
    reader = world["reader"]
    follow_add(user=reader, target=world["rust"])
    client.force_login(reader)
    first = client.get("/my/?order=newest&per_page=1")
    second = client.get(f"/my/?order=newest&per_page=1&after={first.context['page'].next_cursor}")
    assert [p.title for p in second.context["page"].items] == ["Rust post"]
    assert client.get("/my/?after=nonsense").status_code == 400


def test_my_feed_says_how_to_start_when_nothing_is_followed(client, world):
    client.force_login(world["reader"])
    html = client.get("/my/").content.decode()
    assert "You don't follow anything yet" in html
    assert 'href="/t/"' in html


def test_follow_buttons_post_plain_forms_and_redirect_back(client, world):
    reader = world["reader"]
    client.force_login(reader)
    page = client.get("/t/rust/").content.decode()
    assert 'action="/t/rust/-/follow/"' in page
    assert "Follow #rust" in page
    assert "0 followers" in page
    response = client.post("/t/rust/-/follow/", {"action": "follow", "next": "/t/rust/"})
    assert response.status_code == 302
    assert response["Location"] == "/t/rust/"
    page = client.get("/t/rust/").content.decode()
    assert "Unfollow #rust" in page
    assert "1 follower<" in page
    client.post("/t/rust/-/follow/", {"action": "unfollow"})
    assert not Follow.objects.filter(user=reader).exists()


def test_follow_answers_json_for_the_script(client, world):
    client.force_login(world["reader"])
    on = client.post("/@devopslinks/-/follow/", {"action": "follow"}, headers=JSON)
    assert on.json() == {"following": True, "follower_count": 1}
    off = client.post("/@devopslinks/-/follow/", {"action": "unfollow"}, headers=JSON)
    assert off.json() == {"following": False, "follower_count": 0}
    user = client.post("/u/ada/-/follow/", {"action": "follow"}, headers=JSON)
    assert user.json() == {"following": True, "follower_count": 1}
    self_follow = client.post("/u/reader/-/follow/", {"action": "follow"}, headers=JSON)
    assert self_follow.status_code == 403
    assert self_follow.json() == {"error": "You cannot follow yourself."}
    missing = client.post("/t/nosuchtag/-/follow/", {"action": "follow"}, headers=JSON)
    assert missing.status_code == 404


def test_visitors_are_sent_to_log_in_and_gets_are_refused(client, world):
    response = client.post("/t/rust/-/follow/", {"action": "follow", "next": "/t/rust/"})
    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=")
    assert client.post("/t/rust/-/follow/", headers=JSON).status_code == 401
    assert client.get("/t/rust/-/follow/").status_code == 405
    assert "Log in to follow #rust" in client.get("/t/rust/").content.decode()


def test_channel_and_profile_pages_show_follow_buttons_and_counts(client, world):
    follow_add(user=UserFactory(), target=world["channel"])
    follow_add(user=UserFactory(), target=world["ada"])
    client.force_login(world["reader"])
    channel = client.get("/@devopslinks/").content.decode()
    assert 'action="/@devopslinks/-/follow/"' in channel
    assert "1 follower<" in channel
    profile = client.get("/u/ada/").content.decode()
    assert 'action="/u/ada/-/follow/"' in profile
    assert "Follow ada" in profile
    client.force_login(world["ada"])
    assert "/u/ada/-/follow/" not in client.get("/u/ada/").content.decode()  # not yourself


def test_following_page_lists_follows_and_hidden_tags_with_undo_buttons(client, world):
    reader = world["reader"]
    follow_add(user=reader, target=world["rust"])
    follow_add(user=reader, target=world["channel"])
    follow_add(user=reader, target=world["ada"])
    hidden_tag_add(user=reader, tag=world["linux"])
    client.force_login(reader)
    html = client.get("/following/").content.decode()
    for text in (
        "Unfollow #rust",
        "Unfollow @devopslinks",
        "Unfollow ada",
        "Unhide #linux",
        "Create a private feed address",
    ):
        assert text in html
    client.post("/t/linux/-/hide/", {"action": "unhide", "next": "/following/"})
    assert "Unhide #linux" not in client.get("/following/").content.decode()


def test_private_feed_serves_my_feed_until_the_token_is_reset_or_turned_off(
    plan, client, world, settings
):
    settings.SITE_URL = "https://faun.example"
    reader = world["reader"]
    follow_add(user=reader, target=world["rust"])
    hidden_tag_add(user=reader, tag=world["linux"])
    client.force_login(reader)
    created = client.post("/following/feed/", {"action": "reset"})
    assert created.status_code == 200
    assert "shown only once" in created.content.decode()
    assert created.context["new_feed_rss"].startswith("https://faun.example/feeds/my/")
    rss_url = created.context["new_feed_rss"].removeprefix("https://faun.example")
    atom_url = created.context["new_feed_atom"].removeprefix("https://faun.example")
    secret = rss_url.removeprefix("/feeds/my/").removesuffix(".rss")
    assert not FeedToken.objects.filter(token_hash=secret).exists()  # only the hash is stored

    client.logout()  # feed readers have no session
    feed = feedparser.parse(client.get(rss_url).content)
    assert [entry.title for entry in feed.entries] == ["Rust post"]  # hidden tag left out
    assert client.get(atom_url).status_code == 200
    assert client.get(rss_url)["Cache-Control"] == "private, max-age=300"

    client.force_login(reader)
    reset = client.post("/following/feed/", {"action": "reset"})
    client.logout()
    assert client.get(rss_url).status_code == 404  # the old address is revoked
    new_url = reset.context["new_feed_rss"].removeprefix("https://faun.example")
    assert client.get(new_url).status_code == 200

    client.force_login(reader)
    client.post("/following/feed/", {"action": "revoke"})
    client.logout()
    assert client.get(new_url).status_code == 404
    assert client.get("/feeds/my/not-a-token.rss").status_code == 404
    assert FeedToken.objects.filter(user=reader, revoked_at__isnull=True).count() == 0


def test_feed_token_user_ignores_inactive_users_and_junk():
    user = UserFactory()
    issued = feed_token_reset(user=user)
    assert feed_token_user(secret=issued.secret) == user
    assert feed_token_user(secret="") is None
    assert feed_token_user(secret="x" * 500) is None
    user.is_active = False
    user.save(update_fields=["is_active"])
    assert feed_token_user(secret=issued.secret) is None


def test_one_active_feed_token_per_user():
    user = UserFactory()
    feed_token_reset(user=user)
    feed_token_reset(user=user)
    assert FeedToken.objects.filter(user=user).count() == 2
    assert FeedToken.objects.filter(user=user, revoked_at__isnull=True).count() == 1


# --- API ---------------------------------------------------------------------------------


def bearer(user, scope="write") -> dict[str, str]:
    return {"authorization": f"Bearer {api_token_create(user=user, name='t', scope=scope).secret}"}


def test_api_follow_and_unfollow_tags_channels_and_users(client, world):
    headers = bearer(world["reader"])
    assert client.post("/api/v1/tags/rust/follow/", headers=headers).json() == {
        "following": True,
        "follower_count": 1,
    }
    assert client.post("/api/v1/channels/devopslinks/follow/", headers=headers).status_code == 200
    assert client.post("/api/v1/users/ada/follow/", headers=headers).status_code == 200
    follows = client.get("/api/v1/me/follows/", headers=headers).json()["results"]
    assert {(f["type"], f["target"]) for f in follows} == {
        ("tag", "rust"),
        ("channel", "devopslinks"),
        ("user", "ada"),
    }
    assert follows[0]["html_url"].startswith("http://testserver/")
    feed = client.get("/api/v1/me/feed/?order=newest", headers=headers).json()["results"]
    assert [item["title"] for item in feed] == [
        "Ada's go post",
        "Channel post",
        "Rust and Linux",
        "Rust post",
    ]
    assert client.delete("/api/v1/tags/rust/follow/", headers=headers).json() == {
        "following": False,
        "follower_count": 0,
    }
    self_follow = client.post("/api/v1/users/reader/follow/", headers=headers)
    assert self_follow.status_code == 403
    assert self_follow.json()["error"]["message"] == "You cannot follow yourself."
    assert client.post("/api/v1/tags/nosuch/follow/", headers=headers).status_code == 404


def test_api_follow_needs_a_write_token_and_me_feed_needs_a_user(client, world):
    assert client.post("/api/v1/tags/rust/follow/").status_code == 401
    read_only = bearer(world["reader"], scope="read")
    assert client.post("/api/v1/tags/rust/follow/", headers=read_only).status_code == 403
    assert client.get("/api/v1/me/feed/").status_code == 401
    assert client.get("/api/v1/me/follows/").status_code == 401
    assert client.get("/api/v1/me/feed/", headers=read_only).status_code == 200
    assert client.get("/api/v1/me/feed/?order=top", headers=read_only).status_code == 400


@pytest.mark.parametrize("next_value", ["home", "a\nb", "\U0001f4a9", "https://evil.example/"])
def test_a_next_that_is_not_a_path_on_this_site_goes_back_to_the_target(client, world, next_value):
    # A bare word was taken for a URL pattern name to reverse: NoReverseMatch, a 500.
    client.force_login(world["reader"])
    short_id = world["posts"]["rust"].short_id
    for url in ("/t/rust/-/follow/", "/@devopslinks/-/follow/", f"/p/{short_id}/-/save/"):
        response = client.post(url, {"next": next_value})
        assert response.status_code == 302, url
        assert response["Location"].startswith("/"), url
