"""The discussion through /api/v1/: a post's comments as a flat list with parents, writing,
editing, deleting and voting, a member's comments, the viewer's notifications; every refusal in
the API's error shape, and a query count that does not grow with the page."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.tokens import api_token_create
from discussion.models import Comment, CommentVote, Notification
from discussion.services.comments import comment_delete, comment_remove
from discussion.services.voting import comment_vote_cast
from posts.models import Post
from posts.services.follows import hidden_tag_add
from posts.services.lists import hidden_post_add
from tests.accounts.factories import UserFactory
from tests.discussion.factories import CommentFactory
from tests.posts.factories import PostFactory, TagFactory

pytestmark = pytest.mark.django_db


def bearer(user, scope="write") -> dict[str, str]:
    return {"authorization": f"Bearer {api_token_create(user=user, name='t', scope=scope).secret}"}


def send(client, method, path, payload=None, headers=None):
    if method == "get":
        return client.get(path, headers=headers or {})
    body = payload if isinstance(payload, str | bytes) or payload is None else json.dumps(payload)
    return getattr(client, method)(
        path, body or "", content_type="application/json", headers=headers or {}
    )


def old_member(**kwargs):
    """A verified member past the new-account pace."""
    return UserFactory(date_joined=timezone.now() - timedelta(days=30), **kwargs)


@pytest.fixture
def post():
    return PostFactory(author=UserFactory(username="submitter"), title="Rust in the kernel")


@pytest.fixture
def writer():
    return old_member(username="writer")


# Reading a post's comments


def test_a_posts_comments_are_a_flat_list_in_the_order_written_with_parents(client, post):
    staff = UserFactory(is_staff=True)
    first = CommentFactory(post=post, body="First, with **bold**")
    reply = CommentFactory(parent=first, body="A reply")
    deleted = CommentFactory(post=post, body="Regrets")
    removed = CommentFactory(post=post, body="Spam spam")
    comment_delete(comment=deleted, user=deleted.author)
    comment_remove(comment=removed, moderator=staff, reason="Off topic")

    response = client.get(f"/api/v1/posts/{post.short_id}/comments/")

    assert response.status_code == 200
    results = response.json()["results"]
    assert [c["id"] for c in results] == [
        first.short_id,
        reply.short_id,
        deleted.short_id,
        removed.short_id,
    ]
    top, answer, gone, taken = results
    assert top["parent"] is None
    assert top["depth"] == 0
    assert top["body"] == "First, with **bold**"
    assert "<strong>bold</strong>" in top["body_html"]
    assert top["status"] == "published"
    assert top["author"] == {
        "username": first.author.username,
        "display_name": first.author.display_name,
    }
    assert top["html_url"] == f"http://testserver/c/{first.short_id}/"
    assert top["post"] == {
        "id": post.short_id,
        "title": "Rust in the kernel",
        "html_url": f"http://testserver{post.get_absolute_url()}",
    }
    assert top["voted"] is None  # anonymous
    assert top["edited_at"] is None
    assert answer["parent"] == first.short_id
    assert answer["depth"] == 1
    assert gone["status"] == "deleted"
    assert gone["body"] is None
    assert gone["body_html"] is None
    assert taken["status"] == "removed"
    assert taken["removed_reason"] == "Off topic"
    # A moderator keeps a removed comment's text for review; readers never get it.
    assert taken["body"] is None
    assert taken["body_html"] is None
    assert "Spam" not in response.content.decode()


def test_the_viewer_sees_which_comments_they_voted(client, post):
    voter = old_member()
    liked, other = CommentFactory(post=post), CommentFactory(post=post)
    comment_vote_cast(user=voter, comment=liked)
    response = client.get(f"/api/v1/posts/{post.short_id}/comments/", headers=bearer(voter, "read"))
    voted = {c["id"]: c["voted"] for c in response.json()["results"]}
    assert voted == {liked.short_id: True, other.short_id: False}
    assert response.json()["results"][0]["score"] == 1


def test_comment_pages_follow_the_cursor_through_every_comment_once(client, post):
    comments = [CommentFactory(post=post) for _ in range(5)]
    seen, url = [], f"/api/v1/posts/{post.short_id}/comments/?page_size=2"
    while url:
        response = client.get(url)
        assert response.status_code == 200
        body = response.json()
        seen += [c["id"] for c in body["results"]]
        url = body["next"]
        if url:
            assert response.headers["Link"] == f'<{url}>; rel="next"'
    assert seen == [c.short_id for c in comments]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("cursor=garbage", "cursor"),
        ("cursor=WyJzY29yZSIsMSwxXQ", "cursor"),  # another ordering's cursor
        ("page_size=0", "page_size"),
        ("page_size=101", "page_size"),
        ("order=top", "order"),
    ],
)
def test_bad_list_parameters_are_400_on_their_field(client, post, writer, query, field):
    CommentFactory(post=post, author=writer)
    for path in [
        f"/api/v1/posts/{post.short_id}/comments/",
        f"/api/v1/users/{writer.username}/comments/",
    ]:
        response = client.get(f"{path}?{query}")
        assert response.status_code == 400, (path, response.content)
        error = response.json()["error"]
        assert error["code"] == "invalid"
        assert field in error["fields"]


def test_comments_of_unknown_or_unpublished_posts_are_404(client):
    removed = PostFactory(status=Post.Status.REMOVED)
    for short_id in ["nope", removed.short_id]:
        response = client.get(f"/api/v1/posts/{short_id}/comments/")
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not_found"


# Writing


def test_a_member_comments_and_replies_and_who_they_answer_is_notified(client, post, writer):
    response = send(
        client,
        "post",
        f"/api/v1/posts/{post.short_id}/comments/",
        {"body": "Which *version*?"},
        bearer(writer),
    )
    assert response.status_code == 201, response.content
    comment = response.json()
    assert response.headers["Location"] == f"http://testserver/api/v1/comments/{comment['id']}/"
    assert comment["parent"] is None
    assert comment["body"] == "Which *version*?"
    assert comment["voted"] is False
    assert comment["author"]["username"] == "writer"

    answerer = old_member()
    response = send(
        client,
        "post",
        f"/api/v1/posts/{post.short_id}/comments/",
        {"body": "6.1, I think.", "parent": comment["id"]},
        bearer(answerer),
    )
    assert response.status_code == 201, response.content
    assert response.json()["parent"] == comment["id"]
    assert response.json()["depth"] == 1
    assert Notification.objects.filter(recipient=writer, kind="reply").count() == 1
    listed = client.get(f"/api/v1/posts/{post.short_id}/comments/").json()["results"]
    assert [c["body"] for c in listed] == ["Which *version*?", "6.1, I think."]
    post.refresh_from_db()
    assert post.comment_count == 2


def test_the_same_comment_sent_twice_is_written_once(client, post, writer):
    path, headers = f"/api/v1/posts/{post.short_id}/comments/", bearer(writer)
    first = send(client, "post", path, {"body": "Once"}, headers)
    again = send(client, "post", path, {"body": "Once"}, headers)
    assert again.status_code == 201
    assert again.json()["id"] == first.json()["id"]
    assert Comment.objects.count() == 1


@pytest.mark.parametrize(
    ("payload", "field", "message"),
    [
        ({"body": "Hi", "extra": 1}, "extra", "Unknown field."),
        ({"body": "Hi", "sur\ud800prise": 1}, "sur\\ud800prise", "Unknown field."),
        ({"body": 42}, "body", "Not a valid string."),
        ({"body": ["a"]}, "body", "Not a valid string."),
        ({"body": {"text": "a"}}, "body", "Not a valid string."),
        ({"body": True}, "body", "Not a valid string."),
        ({"body": None}, "body", "This field may not be null."),
        ({}, "body", "This field is required."),
        ({"body": "x" * 10_001}, "body", "Ensure this field has no more than 10000 characters."),
        ({"body": "   \n "}, "body", "Write something first."),
        (
            {"body": "Bell\x07"},
            "body",
            "Remove the invisible character U+0007: it cannot be stored or shown.",
        ),
        (
            {"body": "N\x00L"},
            "body",
            "Remove the invisible character U+0000: it cannot be stored or shown.",
        ),
        (
            {"body": "Half \ud800 a pair"},
            "body",
            "Remove the invisible character U+D800: it cannot be stored or shown.",
        ),
        ({"body": "Hi", "parent": 7}, "parent", "Not a valid string."),
        ({"body": "Hi", "parent": ""}, "parent", "This field may not be blank."),
        ({"body": "Hi", "parent": "nope"}, "parent", "No such comment."),
        ({"body": "Hi", "parent": "x" * 11}, "parent", None),
        ({"body": "Hi", "parent": "a\x00b"}, "parent", None),
    ],
)
def test_bad_comments_are_400_on_their_field_and_save_nothing(
    client, post, writer, payload, field, message
):
    response = send(
        client, "post", f"/api/v1/posts/{post.short_id}/comments/", payload, bearer(writer)
    )
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert field in error["fields"], error
    if message:
        assert error["fields"][field] == [message]
    assert not Comment.objects.exists()


def test_tabs_and_line_breaks_are_text(client, post, writer):
    response = send(
        client,
        "post",
        f"/api/v1/posts/{post.short_id}/comments/",
        {"body": "Line one\r\n\tindented"},
        bearer(writer),
    )
    assert response.status_code == 201
    assert response.json()["body"] == "Line one\r\n\tindented"


def test_replies_only_to_live_comments_of_the_same_post(client, post, writer):
    other_post_comment = CommentFactory()
    gone = CommentFactory(post=post)
    comment_delete(comment=gone, user=gone.author)
    headers = bearer(writer)
    path = f"/api/v1/posts/{post.short_id}/comments/"
    for parent, message in [
        (other_post_comment, "That comment belongs to another post."),
        (gone, "That comment is gone; reply to another one."),
    ]:
        response = send(client, "post", path, {"body": "Hi", "parent": parent.short_id}, headers)
        assert response.status_code == 400
        assert response.json()["error"]["fields"] == {"parent": [message]}
    assert Comment.objects.count() == 2


@pytest.mark.parametrize(
    "body",
    ["{not json", "[" * 100_000, '{"body": ' + "[" * 50_000, "[1, 2]", '"just a string"'],
)
def test_malformed_or_deeply_nested_json_is_a_400(client, post, writer, body):
    response = send(
        client, "post", f"/api/v1/posts/{post.short_id}/comments/", body, bearer(writer)
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] in {"parse_error", "invalid"}
    assert not Comment.objects.exists()


@pytest.mark.parametrize(
    ("who", "status", "code"),
    [
        ("anonymous", 401, "not_authenticated"),
        ("unverified", 403, "permission_denied"),
        ("read_token", 403, "permission_denied"),
    ],
)
def test_who_may_not_comment(client, post, who, status, code):
    user = old_member(email_verified_at=None if who == "unverified" else timezone.now())
    headers = {} if who == "anonymous" else bearer(user, "read" if who == "read_token" else "write")
    response = send(
        client, "post", f"/api/v1/posts/{post.short_id}/comments/", {"body": "Hi"}, headers
    )
    assert response.status_code == status
    assert response.json()["error"]["code"] == code
    if who == "unverified":
        assert "Verify your email address" in response.json()["error"]["message"]
    assert not Comment.objects.exists()


def test_comment_rate_limit_is_a_429_with_retry_after(client, post, settings):
    settings.DISCUSSION_DAILY_LIMIT = 1
    headers = bearer(old_member())
    path = f"/api/v1/posts/{post.short_id}/comments/"
    assert send(client, "post", path, {"body": "One"}, headers).status_code == 201
    response = send(client, "post", path, {"body": "Two"}, headers)
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) > 0
    error = response.json()["error"]
    assert error["code"] == "rate_limited"
    assert "the limit" in error["message"]
    assert "Expected available" not in error["message"]  # one figure, the service's
    assert Comment.objects.count() == 1


def test_comment_writes_count_against_the_write_throttle(client, post, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            "write": "2/min",
        },
    }
    headers = bearer(old_member())
    path = f"/api/v1/posts/{post.short_id}/comments/"
    codes = [
        send(client, "post", path, {"body": f"Comment {n}"}, headers).status_code for n in range(3)
    ]
    assert codes == [201, 201, 429]
    assert client.get(path, headers=headers).status_code == 200  # reads unaffected


# One comment: read, edit, delete


def test_a_comment_reads_in_any_status(client, post):
    comment = CommentFactory(post=post, body="Soon gone")
    response = client.get(f"/api/v1/comments/{comment.short_id}/")
    assert response.status_code == 200
    assert response.json()["body"] == "Soon gone"
    comment_delete(comment=comment, user=comment.author)
    body = client.get(f"/api/v1/comments/{comment.short_id}/").json()
    assert (body["status"], body["body"], body["body_html"]) == ("deleted", None, None)


def test_unknown_comments_and_comments_of_removed_posts_are_404(client, post, writer):
    comment = CommentFactory(post=post, author=writer)
    Post.objects.filter(pk=post.pk).update(status=Post.Status.REMOVED)
    headers = bearer(writer)
    for method, path in [
        ("get", "/api/v1/comments/nope/"),
        ("patch", "/api/v1/comments/nope/"),
        ("delete", "/api/v1/comments/nope/"),
        ("post", "/api/v1/comments/nope/vote/"),
        ("get", f"/api/v1/comments/{comment.short_id}/"),
        ("patch", f"/api/v1/comments/{comment.short_id}/"),
        ("delete", f"/api/v1/comments/{comment.short_id}/"),
        ("post", f"/api/v1/comments/{comment.short_id}/vote/"),
    ]:
        response = send(client, method, path, {"body": "Edited"}, headers)
        assert response.status_code == 404, (method, path)
        assert response.json()["error"]["code"] == "not_found"
    assert Comment.objects.get().body != "Edited"


def test_the_author_edits_within_the_window(client, post, writer):
    comment = CommentFactory(post=post, author=writer, body="Typo hre")
    response = send(
        client,
        "patch",
        f"/api/v1/comments/{comment.short_id}/",
        {"body": "Typo *here*"},
        bearer(writer),
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["body"] == "Typo *here*"
    assert "<em>here</em>" in body["body_html"]
    assert body["edited_at"] is not None
    # A PATCH that names no field changes nothing.
    unchanged = send(
        client, "patch", f"/api/v1/comments/{comment.short_id}/", {}, bearer(writer)
    ).json()
    assert unchanged == body


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"body": "x", "parent": None}, "parent"),
        ({"body": 1}, "body"),
        ({"body": None}, "body"),
        ({"body": "Esc\x1b"}, "body"),
        ({"body": " "}, "body"),
        ({"body": "x" * 10_001}, "body"),
    ],
)
def test_bad_edits_are_400_and_change_nothing(client, post, writer, payload, field):
    comment = CommentFactory(post=post, author=writer, body="Fine.")
    response = send(
        client, "patch", f"/api/v1/comments/{comment.short_id}/", payload, bearer(writer)
    )
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]
    comment.refresh_from_db()
    assert (comment.body, comment.edited_at) == ("Fine.", None)


def test_nobody_edits_or_deletes_someone_elses_comment_and_the_window_closes(
    client, post, writer, settings
):
    comment = CommentFactory(post=post, author=writer, body="Mine")
    path = f"/api/v1/comments/{comment.short_id}/"
    stranger, staff = bearer(old_member()), bearer(old_member(is_staff=True))
    for headers in [stranger, staff]:
        response = send(client, "patch", path, {"body": "Yours"}, headers)
        assert response.status_code == 403
        assert response.json()["error"]["message"] == "You can only edit your own comments."
        response = send(client, "delete", path, None, headers)
        assert response.status_code == 403
        assert response.json()["error"]["message"] == "You can only delete your own comments."
    assert send(client, "patch", path, {"body": "Hi"}, bearer(writer, "read")).status_code == 403
    assert send(client, "patch", path, {"body": "Hi"}).status_code == 401
    settings.DISCUSSION_EDIT_WINDOW_SECONDS = 0
    response = send(client, "patch", path, {"body": "Late"}, bearer(writer))
    assert response.status_code == 403
    assert "that time is up" in response.json()["error"]["message"]
    assert Comment.objects.get().body == "Mine"


def test_the_author_deletes_and_the_replies_stay(client, post, writer):
    comment = CommentFactory(post=post, author=writer)
    reply = CommentFactory(parent=comment)
    headers = bearer(writer)
    response = send(client, "delete", f"/api/v1/comments/{comment.short_id}/", None, headers)
    assert response.status_code == 204
    listed = client.get(f"/api/v1/posts/{post.short_id}/comments/").json()["results"]
    assert [(c["id"], c["status"], c["body"]) for c in listed] == [
        (comment.short_id, "deleted", None),
        (reply.short_id, "published", reply.body),
    ]
    again = send(client, "delete", f"/api/v1/comments/{comment.short_id}/", None, headers)
    assert again.status_code == 403
    assert again.json()["error"]["message"] == "This comment is already gone."


# Votes


def test_vote_and_unvote_a_comment(client, post):
    comment = CommentFactory(post=post)
    headers = bearer(old_member())
    path = f"/api/v1/comments/{comment.short_id}/vote/"
    assert send(client, "post", path, None, headers).json() == {"voted": True, "score": 1}
    assert send(client, "post", path, None, headers).json() == {"voted": True, "score": 1}
    assert send(client, "delete", path, None, headers).json() == {"voted": False, "score": 0}
    assert send(client, "delete", path, None, headers).json() == {"voted": False, "score": 0}
    assert not CommentVote.objects.exists()


@pytest.mark.parametrize(
    ("who", "status", "message"),
    [
        ("author", 403, "You cannot vote on your own comment."),
        ("unverified", 403, "Verify your email address before voting."),
        ("read_token", 403, "This token is read-only; create one with write scope."),
        ("anonymous", 401, None),
    ],
)
def test_who_may_not_vote(client, post, writer, who, status, message):
    comment = CommentFactory(post=post, author=writer)
    user = {
        "author": writer,
        "unverified": old_member(email_verified_at=None),
    }.get(who, old_member())
    headers = {} if who == "anonymous" else bearer(user, "read" if who == "read_token" else "write")
    response = send(client, "post", f"/api/v1/comments/{comment.short_id}/vote/", None, headers)
    assert response.status_code == status
    if message:
        assert response.json()["error"]["message"] == message
    assert not CommentVote.objects.exists()


def test_a_gone_comment_takes_no_votes(client, post):
    comment = CommentFactory(post=post)
    comment_delete(comment=comment, user=comment.author)
    response = send(
        client, "post", f"/api/v1/comments/{comment.short_id}/vote/", None, bearer(old_member())
    )
    assert response.status_code == 403
    assert response.json()["error"]["message"] == "This comment is not open for votes."


# A member's comments


def test_a_members_comments_newest_first_without_what_the_viewer_hid(client, writer):
    hidden_tag = TagFactory(slug="drama")
    plain, hidden, tagged = PostFactory(), PostFactory(), PostFactory(tags=[hidden_tag])
    first = CommentFactory(post=plain, author=writer, body="On a plain post")
    on_hidden = CommentFactory(post=hidden, author=writer)
    on_tagged = CommentFactory(post=tagged, author=writer)
    gone = CommentFactory(post=plain, author=writer)
    comment_delete(comment=gone, user=writer)
    reply = CommentFactory(parent=first, author=writer, body="And a reply")

    everyone = client.get(f"/api/v1/users/{writer.username}/comments/").json()["results"]
    assert [c["id"] for c in everyone] == [
        reply.short_id,
        on_tagged.short_id,
        on_hidden.short_id,
        first.short_id,
    ]
    assert everyone[0]["parent"] == first.short_id
    assert everyone[0]["body"] == "And a reply"
    assert everyone[0]["post"]["id"] == plain.short_id

    reader = old_member()
    hidden_post_add(user=reader, post=hidden)
    hidden_tag_add(user=reader, tag=hidden_tag)
    response = client.get(
        f"/api/v1/users/{writer.username.upper()}/comments/", headers=bearer(reader, "read")
    )
    assert [c["id"] for c in response.json()["results"]] == [reply.short_id, first.short_id]
    assert client.get("/api/v1/users/nobody/comments/").status_code == 404


# Notifications


def test_notifications_list_and_mark_read(client, post, writer):
    first = CommentFactory(post=post, author=writer)
    replier = old_member(username="replier")
    reply = CommentFactory(parent=first, author=replier, body="Replying")
    mention = CommentFactory(post=PostFactory(title="Elsewhere"), body="Hey @writer, look")
    headers = bearer(writer, "read")

    response = client.get("/api/v1/me/notifications/", headers=headers)
    assert response.status_code == 200
    results = response.json()["results"]
    assert [(n["kind"], n["read"], n["comment"]["id"]) for n in results] == [
        ("mention", False, mention.short_id),
        ("reply", False, reply.short_id),
    ]
    assert results[1]["comment"]["author"]["username"] == "replier"
    assert results[1]["comment"]["body_html"] == "<p>Replying</p>\n"
    assert results[1]["comment"]["post"]["title"] == "Rust in the kernel"
    assert results[0]["comment"]["post"]["html_url"].startswith("http://testserver/p/")
    assert results[1]["comment"]["html_url"] == f"http://testserver/c/{reply.short_id}/"

    # Reading any scope; marking read needs write scope.
    response = send(client, "post", "/api/v1/me/notifications/read/", {}, headers)
    assert response.status_code == 403
    write = bearer(writer)
    ids = [results[1]["id"]]
    response = send(client, "post", "/api/v1/me/notifications/read/", {"ids": ids}, write)
    assert response.json() == {"marked": 1}
    read = {
        n["kind"]: n["read"]
        for n in client.get("/api/v1/me/notifications/", headers=headers).json()["results"]
    }
    assert read == {"mention": False, "reply": True}
    assert send(client, "post", "/api/v1/me/notifications/read/", None, write).json() == {
        "marked": 1
    }
    assert send(client, "post", "/api/v1/me/notifications/read/", {}, write).json() == {"marked": 0}
    assert not Notification.objects.filter(recipient=writer, read_at__isnull=True).exists()


def test_nobody_reads_or_marks_someone_elses_notifications(client, post, writer):
    reply = CommentFactory(parent=CommentFactory(post=post, author=writer))
    theirs = Notification.objects.get(recipient=writer, comment=reply)
    stranger = bearer(old_member())
    assert client.get("/api/v1/me/notifications/", headers=stranger).json()["results"] == []
    response = send(
        client, "post", "/api/v1/me/notifications/read/", {"ids": [theirs.pk]}, stranger
    )
    assert response.json() == {"marked": 0}
    assert client.get("/api/v1/me/notifications/").status_code == 401
    assert send(client, "post", "/api/v1/me/notifications/read/", {}).status_code == 401
    theirs.refresh_from_db()
    assert theirs.is_unread


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"ids": ["1"]}, "ids"),
        ({"ids": [True]}, "ids"),
        ({"ids": [1.5]}, "ids"),
        ({"ids": [0]}, "ids"),
        ({"ids": [2**63]}, "ids"),
        ({"ids": "1"}, "ids"),
        ({"ids": None}, "ids"),
        ({"ids": list(range(1, 502))}, "ids"),
        ({"all": True}, "all"),
        ([1, 2], "non_field_errors"),
    ],
)
def test_bad_mark_read_requests_are_400(client, writer, payload, field):
    response = send(client, "post", "/api/v1/me/notifications/read/", payload, bearer(writer))
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]


# Query budget


def queries_for(client, url, reader):
    """The response to `url` for `reader` (a read token) and the queries it ran; the token's
    first use, which records its last-use time once, happens before."""
    headers = bearer(reader, "read")
    client.get("/api/v1/me/", headers=headers)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, headers=headers)
    return response, [query["sql"] for query in ctx.captured_queries]


@pytest.mark.parametrize("size", [10, 25, 100])
def test_comment_list_query_count_is_constant_in_page_size(client, post, size):
    authors = [old_member() for _ in range(3)]
    top = CommentFactory(post=post, author=authors[0])
    for n in range(size):
        CommentFactory(post=post, author=authors[n % 3], parent=top if n % 2 else None)
    comment_vote_cast(user=authors[1], comment=top)
    response, queries = queries_for(
        client, f"/api/v1/posts/{post.short_id}/comments/?page_size={size}", authors[1]
    )
    assert len(response.json()["results"]) == size
    assert response.json()["results"][0]["voted"] is True
    # the token, the post, the comments (authors and parents joined), the viewer's votes
    assert len(queries) == 4, queries


@pytest.mark.parametrize("size", [10, 25, 100])
def test_user_comments_query_count_is_constant_in_page_size(client, writer, size):
    for _ in range(size):
        CommentFactory(author=writer)
    response, queries = queries_for(
        client, f"/api/v1/users/{writer.username}/comments/?page_size={size}", old_member()
    )
    assert len(response.json()["results"]) == size
    # the token, the member, the comments (posts, authors and parents joined), the votes
    assert len(queries) == 4, queries


@pytest.mark.parametrize("size", [10, 25, 100])
def test_notification_list_query_count_is_constant_in_page_size(client, post, writer, size):
    top = CommentFactory(post=post, author=writer)
    repliers = [old_member() for _ in range(3)]
    for n in range(size):
        CommentFactory(parent=top, author=repliers[n % 3])
    response, queries = queries_for(client, f"/api/v1/me/notifications/?page_size={size}", writer)
    assert len(response.json()["results"]) == size
    # the token, the notifications (comments, their authors and posts joined)
    assert len(queries) == 2, queries
