"""No moderator page is reachable by anyone but staff: every URL pattern of the moderation app
under /mod/ answers a visitor with a redirect to log in and a member with 403, for GET and POST,
and does nothing (docs/moderation.md#the-queue)."""

from __future__ import annotations

import re

import pytest
from django.urls import URLPattern, get_resolver

from moderation.models import ModerationAction
from posts.models import Post
from tests.accounts.factories import UserFactory
from tests.discussion.factories import CommentFactory
from tests.moderation.factories import FlagFactory
from tests.posts.factories import PostFactory

pytestmark = pytest.mark.django_db


def moderator_patterns() -> list[URLPattern]:
    """Every URL pattern of the moderation app that is a moderator's page."""
    (moderation,) = [
        p for p in get_resolver().url_patterns if getattr(p, "namespace", None) == "moderation"
    ]
    found = [p for p in moderation.url_patterns if str(p.pattern).startswith("mod/")]
    assert len(found) >= 10, found  # the queue, and every action on posts, comments, members
    return found


def url_for(pattern: URLPattern, *, post: Post, comment, member) -> str:
    values = {"short_id": comment.short_id if "/c/" in str(pattern.pattern) else post.short_id}
    values["username"] = member.username
    return "/" + re.sub(r"<(?:\w+:)?(\w+)>", lambda m: values[m.group(1)], str(pattern.pattern))


@pytest.fixture
def items():
    post = PostFactory()
    comment = CommentFactory(post=post)
    FlagFactory(post=post)
    Post.objects.filter(pk=post.pk).update(flag_count=1, held=True)
    return post, comment, UserFactory(username="someone")


@pytest.mark.parametrize("who", ["visitor", "member"])
@pytest.mark.parametrize("method", ["get", "post"])
def test_no_moderator_page_or_action_is_reachable_without_staff(client, items, who, method):
    post, comment, member = items
    title = post.title
    if who == "member":
        client.force_login(UserFactory(karma=1000))
    data = {"reason": "Spam", "duration": "ban", "title": "Renamed", "tags": []}

    for pattern in moderator_patterns():
        url = url_for(pattern, post=post, comment=comment, member=member)
        response = getattr(client, method)(url, data if method == "post" else None)
        if who == "visitor":
            assert response.status_code == 302, url
            assert response["Location"].startswith("/login/?next="), url
        else:
            assert response.status_code == 403, url
            assert "Only moderators" in response.content.decode(), url

    post.refresh_from_db()
    member.refresh_from_db()
    assert (post.status, post.held, post.title) == ("published", True, title)
    assert not member.is_suspended
    assert not ModerationAction.objects.exists()


def test_staff_reach_every_moderator_page(client, items):
    post, comment, member = items
    client.force_login(UserFactory(is_staff=True))
    for pattern in moderator_patterns():
        url = url_for(pattern, post=post, comment=comment, member=member)
        assert client.get(url).status_code == 200, url
