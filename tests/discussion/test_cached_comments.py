"""A thread's comments are rendered once for every reader and cached; each reader's part is
filled in per request (discussion/comments.py, docs/performance.md#feed-rows). What a reader
or a moderator does shows at once."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from accounts.services import user_delete
from discussion import comments
from discussion.services.comments import comment_delete, comment_edit, comment_remove
from tests.accounts.factories import UserFactory
from tests.discussion.factories import CommentFactory
from tests.posts.factories import PostFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def renders(monkeypatch):
    """The comments whose shared part was rendered (not taken from the cache)."""
    rendered: list[int] = []
    original = comments.COMMENTS.shared

    def counting(item):
        rendered.append(item.comment.pk)
        return original(item)

    monkeypatch.setattr(comments.COMMENTS, "shared", counting)
    return rendered


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def thread(client: Client, post) -> str:
    response = client.get(post.get_absolute_url())
    assert response.status_code == 200
    return response.content.decode()


def item(html: str, comment) -> str:
    start = html.index(f'id="c-{comment.short_id}"')
    return html[start : html.index("</details>", start)]


def test_each_comment_is_rendered_once_for_every_reader(renders):
    post = PostFactory()
    first = CommentFactory(post=post, body="First")
    CommentFactory(post=post, parent=first, body="A reply")
    for client in (Client(), logged_in(UserFactory()), logged_in(UserFactory(is_staff=True))):
        thread(client, post)
    assert len(renders) == 2


def test_one_cached_comment_carries_each_readers_own_actions(renders):
    author = UserFactory(username="writer")
    post = PostFactory(author=author)
    comment = CommentFactory(post=post, author=author, body="Mine")
    voter = logged_in(UserFactory())
    voter.post(f"/c/{comment.short_id}/vote/", {"action": "up", "next": "/"})

    voted = item(thread(voter, post), comment)
    assert 'aria-pressed="true"' in voted
    assert ">unvote</button>" in voted
    assert "1 point</span>" in voted
    assert ">edit</a>" not in voted
    assert ">remove</a>" not in voted
    assert "comment__op" in voted  # the post's submitter

    own = item(thread(logged_in(author), post), comment)
    assert "<form" not in own
    assert ">edit</a>" in own
    assert ">delete</a>" in own

    staff = item(thread(logged_in(UserFactory(is_staff=True)), post), comment)
    assert ">▲ upvote</button>" in staff
    assert ">remove</a>" in staff

    visitor = item(thread(Client(), post), comment)
    assert ">log in to reply</a>" in visitor
    assert "<form" not in visitor
    assert renders == [comment.pk]


def test_cached_and_uncached_threads_are_the_same_html(settings):
    post = PostFactory()
    first = CommentFactory(post=post, body="First")
    reply = CommentFactory(post=post, parent=first, body="Reply")
    CommentFactory(post=post, parent=reply, body="Deeper")
    CommentFactory(post=post, body="Second")
    reader = logged_in(UserFactory())

    def unmasked(html: str) -> str:  # each request masks the CSRF token anew
        return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "TOKEN", html)

    cached = [unmasked(thread(reader, post)) for _ in range(2)]
    settings.POST_ROW_CACHE_SECONDS = 0
    assert cached == [unmasked(thread(reader, post)) for _ in range(2)]
    assert cached[0].count('<ol class="comment__replies">') == 2


def test_an_edit_a_deletion_and_a_removal_show_at_once(settings):
    settings.DISCUSSION_EDIT_WINDOW_SECONDS = 3600
    post = PostFactory()
    author, leaver = UserFactory(), UserFactory()
    edited = CommentFactory(post=post, author=author, body="Before")
    deleted = CommentFactory(post=post, author=leaver, body="Gone soon")
    removed = CommentFactory(post=post, body="Rude")
    reader = Client()
    thread(reader, post)
    comment_edit(comment=edited, editor=author, body="After")
    comment_delete(comment=deleted, user=leaver)
    comment_remove(comment=removed, moderator=UserFactory(is_staff=True), reason="off topic")
    html = thread(reader, post)
    assert "After" in item(html, edited)
    assert "edited</span>" in item(html, edited)
    assert "[deleted]" in item(html, deleted)
    assert "[removed by a moderator: off topic]" in item(html, removed)


def test_a_deleted_account_is_no_longer_named_on_its_comments():
    post = PostFactory()
    author = UserFactory(username="leaving")
    comment = CommentFactory(post=post, author=author)
    assert ">leaving</a>" in item(thread(Client(), post), comment)
    user_delete(user=author)
    assert "deleted user" in item(thread(Client(), post), comment)


def test_the_time_ago_moves_on_while_the_comment_stays_cached(renders, monkeypatch):
    post = PostFactory()
    comment = CommentFactory(post=post)
    assert ">just now</time>" in item(thread(Client(), post), comment)
    later = timezone.now() + timedelta(hours=2)
    monkeypatch.setattr(timezone, "now", lambda: later)
    assert ">2h ago</time>" in item(thread(Client(), post), comment)
    assert renders == [comment.pk]
