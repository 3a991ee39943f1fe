"""Votes, saves and hides through HTTP: plain form posts that redirect back, and the JSON that
static/js/faun.js asks for; the saved and hidden lists."""

from __future__ import annotations

import pytest
from django.test import Client

from posts.models import HiddenPost, Post, SavedPost, Vote
from posts.services.lists import hidden_post_add, saved_post_add
from tests.accounts.factories import UserFactory
from tests.posts.factories import ChannelFactory, PostFactory, TagFactory

pytestmark = pytest.mark.django_db

JSON = {"HTTP_ACCEPT": "application/json"}


@pytest.fixture
def reader(client):
    user = UserFactory()
    client.force_login(user)
    return user


def html(response) -> str:
    return response.content.decode()


def test_anonymous_visitors_get_a_log_in_link_instead_of_vote_buttons(client):
    post = PostFactory()
    page = html(client.get("/newest/"))
    assert '/login/?next=/newest/" title="Log in to vote"' in page
    assert f'action="/p/{post.short_id}/-/vote/"' not in page
    assert "save</button>" not in page


def test_upvote_as_a_form_post_redirects_back_and_shows_the_vote(client, reader):
    post = PostFactory()
    page = html(client.get("/newest/"))
    assert f'action="/p/{post.short_id}/-/vote/"' in page
    assert 'aria-pressed="false"' in page
    response = client.post(
        f"/p/{post.short_id}/-/vote/", {"action": "up", "next": "/newest/?per_page=10"}
    )
    assert response.status_code == 302
    assert response["Location"] == f"/newest/?per_page=10#post-{post.short_id}"
    post.refresh_from_db()
    assert post.score == 1
    assert Vote.objects.filter(user=reader, post=post).exists()
    page = html(client.get("/newest/"))
    assert 'aria-pressed="true"' in page
    assert 'name="action" value="remove"' in page
    client.post(f"/p/{post.short_id}/-/vote/", {"action": "remove", "next": "/newest/"})
    post.refresh_from_db()
    assert post.score == 0


def test_vote_answers_json_when_asked(client, reader):
    post = PostFactory()
    url = f"/p/{post.short_id}/-/vote/"
    assert client.post(url, {"action": "up"}, **JSON).json() == {"voted": True, "score": 1}
    assert client.post(url, {"action": "up"}, **JSON).json() == {"voted": True, "score": 1}
    assert client.post(url, {"action": "remove"}, **JSON).json() == {"voted": False, "score": 0}


def test_own_posts_are_not_votable(client, reader):
    mine = PostFactory(author=reader)
    page = html(client.get("/newest/"))
    assert f'action="/p/{mine.short_id}/-/vote/"' not in page
    assert 'title="Your post: you cannot vote on it"' in page
    response = client.post(f"/p/{mine.short_id}/-/vote/", {"action": "up"}, **JSON)
    assert response.status_code == 403
    assert response.json() == {"error": "You cannot vote on your own post."}
    response = client.post(f"/p/{mine.short_id}/-/vote/", {"action": "up"})
    assert response.status_code == 403
    assert "You cannot vote on your own post." in html(response)
    assert not Vote.objects.exists()


def test_visitors_are_sent_to_log_in_and_json_gets_401(client):
    post = PostFactory()
    response = client.post(f"/p/{post.short_id}/-/vote/", {"next": "/top/"})
    assert response.status_code == 302
    assert response["Location"] == "/login/?next=%2Ftop%2F"
    response = client.post(f"/p/{post.short_id}/-/save/", **JSON)
    assert response.status_code == 401
    assert response.json()["login_url"] == "/login/"
    assert not Vote.objects.exists()
    assert not SavedPost.objects.exists()


@pytest.mark.parametrize(
    "next_url",
    ["https://evil.example/", "//evil.example/x", "javascript:alert(1)", "/\\evil.example"],
)
def test_next_must_stay_on_this_site(client, reader, next_url):
    post = PostFactory()
    response = client.post(f"/p/{post.short_id}/-/save/", {"next": next_url})
    assert response["Location"] == f"{post.get_absolute_url()}#post-{post.short_id}"


def test_actions_are_post_only_csrf_protected_and_404_for_unknown_or_removed_posts(reader):
    client = Client(enforce_csrf_checks=True)
    client.force_login(reader)
    post = PostFactory()
    assert client.get(f"/p/{post.short_id}/-/vote/").status_code == 405
    assert client.post(f"/p/{post.short_id}/-/vote/").status_code == 403  # no CSRF token
    plain = Client()
    plain.force_login(reader)
    assert plain.post("/p/zzzzzz/-/vote/").status_code == 404
    assert plain.post("/p/zzzzzz/-/vote/", **JSON).json() == {"error": "No such post."}
    Post.objects.filter(pk=post.pk).update(status=Post.Status.REMOVED)
    for action in ("vote", "save", "hide"):
        assert plain.post(f"/p/{post.short_id}/-/{action}/").status_code == 404
    assert not Vote.objects.exists()


def test_save_and_unsave_and_the_saved_list(client, reader):
    post = PostFactory(title="Read me later")
    url = f"/p/{post.short_id}/-/save/"
    assert client.post(url, {"action": "save"}, **JSON).json() == {"saved": True}
    page = html(client.get("/saved/"))
    assert "Read me later" in page
    assert ">saved</button>" in page
    assert html(client.get("/newest/")).count('name="action" value="unsave"') == 1
    client.post(url, {"action": "unsave", "next": "/saved/"})
    assert "Read me later" not in html(client.get("/saved/"))
    assert not SavedPost.objects.exists()


def test_hide_removes_a_post_from_every_feed_of_that_user_only(client, reader):
    tag = TagFactory(slug="go")
    channel = ChannelFactory(handle="golangweekly")
    author = UserFactory()
    post = PostFactory(title="Not for me", tags=[tag], channel=channel, author=author)
    pages = ["/", "/newest/", "/top/", "/top/all/", "/t/go/", "/@golangweekly/", f"/u/{author}/"]
    for page in pages:
        assert "Not for me" in html(client.get(page)), page
    response = client.post(f"/p/{post.short_id}/-/hide/", {"action": "hide", "next": "/"})
    assert response.status_code == 302
    assert "Hidden from your feeds" in html(client.get("/"))
    for page in pages:
        assert "Not for me" not in html(client.get(page)), page
        assert "Not for me" in html(Client().get(page)), page  # others still see it
    hidden_page = html(client.get("/hidden/"))
    assert "Not for me" in hidden_page
    assert ">unhide</button>" in hidden_page
    assert "unhide</button>" in html(client.get(post.get_absolute_url()))
    assert client.post(f"/p/{post.short_id}/-/hide/", {"action": "unhide"}, **JSON).json() == {
        "hidden": False
    }
    assert "Not for me" in html(client.get("/"))
    assert not HiddenPost.objects.exists()


def test_lists_need_log_in_page_with_a_more_link_and_refuse_broken_cursors(client, reader):
    assert Client().get("/saved/").status_code == 302
    assert Client().get("/hidden/").status_code == 302
    posts = [PostFactory(title=f"Saved {i}") for i in range(5)]
    for post in posts:
        saved_post_add(user=reader, post=post)
    first = client.get("/saved/?per_page=3")
    assert [p.title for p in first.context["page"].items] == ["Saved 4", "Saved 3", "Saved 2"]
    cursor = first.context["page"].next_cursor
    second = client.get(f"/saved/?per_page=3&after={cursor}")
    assert [p.title for p in second.context["page"].items] == ["Saved 1", "Saved 0"]
    assert client.get("/saved/?after=garbage").status_code == 400
    assert client.get("/hidden/?after=garbage").status_code == 400
    hidden_post_add(user=reader, post=posts[0])
    assert [p.title for p in client.get("/hidden/").context["page"].items] == ["Saved 0"]
    # A saved post that is later removed leaves the list.
    Post.objects.filter(pk=posts[4].pk).update(status=Post.Status.REMOVED)
    assert "Saved 4" not in html(client.get("/saved/"))


def test_unverified_users_cannot_vote(client):
    client.force_login(UserFactory(email_verified_at=None))
    post = PostFactory()
    response = client.post(f"/p/{post.short_id}/-/vote/", {"action": "up"}, **JSON)
    assert response.status_code == 403
    assert response.json() == {"error": "Verify your email address before voting."}
    post.refresh_from_db()
    assert post.score == 0
