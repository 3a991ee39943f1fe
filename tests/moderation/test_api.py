"""Moderation through /api/v1/: flag and unflag, suggestions, the public log, and moderators'
actions for staff tokens only (docs/api.md#moderation)."""

from __future__ import annotations

import json
import re

import pytest
from django.urls import get_resolver

from accounts.models import User
from accounts.tokens import api_token_create
from moderation.models import Flag, ModerationAction, Suggestion
from moderation.services.actions import moderation_post_remove
from moderation.services.flags import comment_flag, post_flag
from posts.models import Post
from tests.accounts.factories import UserFactory
from tests.discussion.factories import CommentFactory
from tests.moderation.factories import trusted
from tests.posts.factories import PostFactory, TagFactory

pytestmark = pytest.mark.django_db


def bearer(user, scope="write") -> dict[str, str]:
    return {"authorization": f"Bearer {api_token_create(user=user, name='t', scope=scope).secret}"}


def send(client, method, url, headers, body=None):
    return getattr(client, method)(
        url, json.dumps(body or {}), content_type="application/json", headers=headers
    )


@pytest.mark.parametrize(("karma", "status"), [(9, 403), (10, 200)])
def test_flagging_a_post_through_the_api_opens_at_the_karma_setting(
    client, settings, karma, status
):
    settings.MODERATION_FLAG_MIN_KARMA = 10
    post = PostFactory()
    headers = bearer(UserFactory(karma=karma))

    response = send(
        client, "post", f"/api/v1/posts/{post.short_id}/flag/", headers, {"reason": "spam"}
    )

    assert response.status_code == status
    if status == 200:
        assert response.json() == {"flagged": True}
        again = send(
            client, "post", f"/api/v1/posts/{post.short_id}/flag/", headers, {"reason": "spam"}
        )
        assert again.json() == {"flagged": False}
        undo = client.delete(f"/api/v1/posts/{post.short_id}/flag/", headers=headers)
        assert undo.json() == {"flagged": False}
        assert not Flag.objects.exists()
    else:
        assert response.json()["error"]["message"].startswith("Flagging opens at 10 karma")


def test_flag_reasons_are_checked_per_kind(client):
    post, comment = PostFactory(), CommentFactory()
    headers = bearer(trusted())

    wrong = send(
        client, "post", f"/api/v1/posts/{post.short_id}/flag/", headers, {"reason": "unkind"}
    )
    assert wrong.status_code == 400
    assert "reason" in wrong.json()["error"]["fields"]
    right = send(
        client, "post", f"/api/v1/comments/{comment.short_id}/flag/", headers, {"reason": "unkind"}
    )
    assert right.json() == {"flagged": True}
    assert client.delete(f"/api/v1/comments/{comment.short_id}/flag/", headers=headers).json() == {
        "flagged": False
    }


def test_suggestions_through_the_api(client, settings):
    settings.MODERATION_SUGGESTION_QUORUM = 2
    rust = TagFactory(slug="rust")
    post = PostFactory(title="CLICK HERE", tags=[rust])
    url = f"/api/v1/posts/{post.short_id}/suggestions/"
    body = {"title": "Rust 1.80", "tags": ["rust"]}

    assert send(client, "post", url, bearer(trusted()), body).json() == {"applied": []}
    assert client.get(url, headers=bearer(post.author)).json() == [
        {"kind": "title", "value": "Rust 1.80", "count": 1}
    ]
    assert client.get(url, headers=bearer(UserFactory())).status_code == 403
    assert send(client, "post", url, bearer(trusted()), body).json() == {"applied": ["title"]}
    post.refresh_from_db()
    assert post.title == "Rust 1.80"
    unknown = send(client, "post", url, bearer(trusted()), {"title": "X y z", "tags": ["nope"]})
    assert unknown.status_code == 400
    own = send(client, "post", url, bearer(post.author), body)
    assert own.status_code == 403
    assert not Suggestion.objects.exists()


def test_the_public_log_through_the_api(client):
    moderator = UserFactory(username="ada", email="ada@private.example", is_staff=True)
    post = PostFactory(title="Spam")
    moderation_post_remove(moderator=moderator, post=post, reason="Advertising")

    response = client.get("/api/v1/moderations/")

    assert response.status_code == 200
    (entry,) = response.json()["results"]
    assert entry["moderator"] == "ada"
    assert entry["kind"] == "post-removed"
    assert entry["kind_display"] == "removed a post"
    assert entry["reason"] == "Advertising"
    assert entry["post"] == post.short_id
    assert entry["url"].endswith(post.get_absolute_url())
    assert "private.example" not in response.content.decode()


def moderator_api_paths() -> list[str]:
    (api,) = [p for p in get_resolver().url_patterns if getattr(p, "namespace", None) == "api"]
    found = [str(p.pattern) for p in api.url_patterns if str(p.pattern).startswith("mod/")]
    assert len(found) == 9, found
    return found


@pytest.mark.parametrize("who", ["visitor", "member", "staff with a read token"])
def test_moderator_endpoints_refuse_everyone_but_staff_write_tokens(client, who):
    post, comment, member = PostFactory(), CommentFactory(), UserFactory(username="someone")
    headers = {
        "visitor": {},
        "member": bearer(trusted()),
        "staff with a read token": bearer(UserFactory(is_staff=True), scope="read"),
    }[who]
    values = {"short_id": post.short_id, "username": member.username}
    body = {"reason": "x", "days": None, "title": "Renamed", "tags": [], "into": "abc"}

    for pattern in moderator_api_paths():
        if "comments/" in pattern:
            values["short_id"] = comment.short_id
        url = "/api/v1/" + re.sub(r"<(?:\w+:)?(\w+)>", lambda m: values[m.group(1)], pattern)
        response = send(client, "post", url, headers, body)
        assert response.status_code == (401 if who == "visitor" else 403), url
        values["short_id"] = post.short_id

    assert not ModerationAction.objects.exists()
    assert not User.objects.get(pk=member.pk).is_suspended


def test_staff_moderate_through_the_api_and_a_second_try_is_a_409(client, settings):
    settings.MODERATION_FLAG_HIDE_THRESHOLD = 1
    staff = bearer(UserFactory(username="ada", is_staff=True))
    go = TagFactory(slug="go")
    post, comment = PostFactory(), CommentFactory()
    UserFactory(username="troll")
    post_flag(user=trusted(), post=post, reason="spam")
    comment_flag(user=trusted(), comment=comment, reason="unkind")
    p, c = f"/api/v1/mod/posts/{post.short_id}", f"/api/v1/mod/comments/{comment.short_id}"

    assert send(client, "post", f"{p}/dismiss/", staff).json() == {"done": True}
    again = send(client, "post", f"{p}/dismiss/", staff)
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "conflict"
    assert "ada dismissed the flags on a post" in again.json()["error"]["message"]
    edit = {"title": "Better", "tags": ["go"], "reason": "Editorialized"}
    assert send(client, "post", f"{p}/edit/", staff, edit).json() == {"done": True}
    assert send(client, "post", f"{p}/edit/", staff, edit).json() == {"done": False}
    assert list(Post.objects.get(pk=post.pk).tags.all()) == [go]
    moderation_post_remove(moderator=UserFactory(is_staff=True), post=post, reason="Spam")
    assert send(client, "post", f"{p}/restore/", staff).json() == {"done": True}
    assert send(client, "post", f"{c}/dismiss/", staff).json() == {"done": True}
    no_reason = send(client, "post", f"{c}/remove/", staff, {})
    assert no_reason.status_code == 400
    assert send(client, "post", f"{c}/remove/", staff, {"reason": "Unkind"}).json() == {
        "done": True
    }
    assert send(client, "post", f"{c}/restore/", staff).json() == {"done": True}
    u = "/api/v1/mod/users/troll"
    assert send(client, "post", f"{u}/suspend/", staff, {"days": 7, "reason": "Spam"}).json() == {
        "done": True
    }
    assert (
        send(client, "post", f"{u}/suspend/", staff, {"days": None, "reason": "x"}).status_code
        == 409
    )
    assert send(client, "post", f"{u}/reinstate/", staff).json() == {"done": True}
    assert send(client, "post", "/api/v1/mod/users/nobody/reinstate/", staff).status_code == 404

    kinds = [e.kind for e in ModerationAction.objects.order_by("id")]
    assert kinds == [
        "post-flags-dismissed",
        "post-edited",
        "post-removed",
        "post-restored",
        "comment-flags-dismissed",
        "comment-removed",
        "comment-restored",
        "member-suspended",
        "member-reinstated",
    ]
