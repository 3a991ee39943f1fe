"""The discussion through HTTP: the thread under a post, writing and replying, votes, the
inbox, the comment lists and feeds, notification settings and the one-click unsubscribe."""

from __future__ import annotations

import re

import feedparser
import pytest
from django.core import mail
from django.test import Client

from discussion.models import Comment, Notification, NotificationPreference
from discussion.services.comments import comment_create
from discussion.services.notifications import unsubscribe_token_make
from posts.services.follows import hidden_tag_add
from posts.services.lists import hidden_post_add
from tests.accounts.factories import UserFactory
from tests.discussion.factories import CommentFactory
from tests.posts.factories import PostFactory, TagFactory

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return response.content.decode()


@pytest.fixture
def post():
    return PostFactory(author=UserFactory(username="submitter"))


def test_anyone_reads_the_thread_members_get_a_box(client, post, member):
    comment = CommentFactory(post=post, body="Read **me**")
    page = text(client.get(post.get_absolute_url()))
    assert "1 comment" in page
    assert "<strong>me</strong>" in page
    assert 'id="c-' + comment.short_id + '"' in page
    assert "Log in</a> or" in page
    client.force_login(member)
    page = text(client.get(post.get_absolute_url()))
    assert 'name="body"' in page
    assert "Add comment" in page


def test_comment_then_reply_without_javascript(client, post, member):
    client.force_login(member)
    response = client.post(f"/p/{post.short_id}/-/comment/", {"body": "Top level"})
    comment = Comment.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"{post.get_absolute_url()}#c-{comment.short_id}"
    reply_page = client.get(f"/c/{comment.short_id}/reply/")
    assert "Top level" in text(reply_page)
    response = client.post(f"/c/{comment.short_id}/reply/", {"body": "A reply"})
    reply = Comment.objects.get(parent=comment)
    assert response["Location"].endswith(f"#c-{reply.short_id}")
    page = text(client.get(post.get_absolute_url()))
    assert page.index("Top level") < page.index("A reply")
    assert 'class="comment__replies"' in page


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [("", 400, "Write something first."), ("x" * 10_001, 400, "Keep comments to 10,000")],
)
def test_bad_comments_come_back_with_the_error_and_save_nothing(
    client, post, member, body, status, message
):
    client.force_login(member)
    response = client.post(f"/p/{post.short_id}/-/comment/", {"body": body})
    assert response.status_code == status
    assert message in text(response)
    assert not Comment.objects.exists()


def test_rate_limited_comment_is_a_429_with_the_message(client, post, settings):
    settings.DISCUSSION_DAILY_LIMIT = 1
    writer = UserFactory()
    client.force_login(writer)
    client.post(f"/p/{post.short_id}/-/comment/", {"body": "One"})
    response = client.post(f"/p/{post.short_id}/-/comment/", {"body": "Two"})
    assert response.status_code == 429
    assert "the limit" in text(response)


def test_visitors_are_sent_to_log_in_and_unknown_comments_are_404(client, post):
    response = client.post(f"/p/{post.short_id}/-/comment/", {"body": "Hi"})
    assert response.status_code == 302
    assert "/login/" in response["Location"]
    assert client.get("/c/nope123/").status_code == 404
    assert client.get("/c/nope123/reply/").status_code in {302, 404}


def test_permalink_opens_the_thread_at_the_comment(client, post):
    comment = CommentFactory(post=post)
    response = client.get(f"/c/{comment.short_id}/")
    assert response["Location"] == f"{post.get_absolute_url()}#c-{comment.short_id}"


def test_edit_delete_and_remove_pages(client, post, member):
    comment = CommentFactory(post=post, author=member, body="Original")
    client.force_login(member)
    assert "Original" in text(client.get(f"/c/{comment.short_id}/edit/"))
    client.post(f"/c/{comment.short_id}/edit/", {"body": "Edited"})
    assert "Edited" in text(client.get(post.get_absolute_url()))
    client.post(f"/c/{comment.short_id}/delete/")
    page = text(client.get(post.get_absolute_url()))
    assert "[deleted]" in page
    assert "Edited" not in page
    other = CommentFactory(post=post, body="Spam")
    assert client.post(f"/c/{other.short_id}/remove/", {"reason": "x"}).status_code == 403
    client.force_login(UserFactory(is_staff=True))
    client.post(f"/c/{other.short_id}/remove/", {"reason": "Advertising"})
    page = text(client.get(post.get_absolute_url()))
    assert "[removed by a moderator: Advertising]" in page
    assert "Spam" not in page


def test_votes_in_place_and_as_a_form(client, post, member):
    comment = CommentFactory(post=post)
    client.force_login(member)
    response = client.post(
        f"/c/{comment.short_id}/vote/", {"action": "up"}, headers={"accept": "application/json"}
    )
    assert response.json() == {"voted": True, "score": 1}
    response = client.post(f"/c/{comment.short_id}/vote/", {"action": "remove"})
    assert response.status_code == 302
    comment.refresh_from_db()
    assert comment.score == 0
    own = CommentFactory(post=post, author=member)
    response = client.post(f"/c/{own.short_id}/vote/", headers={"accept": "application/json"})
    assert response.status_code == 403


def test_feed_rows_show_counts_and_new_comments_since_the_last_visit(client, post, member):
    CommentFactory(post=post)
    client.force_login(member)
    assert "1 comment" in text(client.get("/newest/"))
    client.get(post.get_absolute_url())  # reads the thread
    CommentFactory(post=post)
    CommentFactory(post=post)
    page = text(client.get("/newest/"))
    assert "3 comments" in page
    assert "2 new" in page
    thread = text(client.get(post.get_absolute_url()))
    assert thread.count('class="comment comment--new"') == 2
    assert "2 new" not in text(client.get("/newest/"))


def test_active_feed_lists_posts_by_latest_comment(client):
    _quiet, busy = PostFactory(title="Quiet post title"), PostFactory(title="Busy post title")
    CommentFactory(post=busy)
    page = text(client.get("/active/"))
    assert "Busy post title" in page
    assert "Quiet post title" not in page


def test_inbox_unread_count_follow_and_mark_all_read(client, post, member):
    client.force_login(post.author)
    CommentFactory(post=post, author=member, body="Hello submitter")
    CommentFactory(post=post, author=member, body="Hello again")
    header = text(client.get("/"))
    assert re.search(r'Inbox <span class="badge"[^>]*>2</span>', header)
    inbox = text(client.get("/inbox/"))
    assert "Hello submitter" in inbox
    assert "replied to you" in inbox
    notification = Notification.objects.order_by("id").first()
    response = client.get(f"/inbox/{notification.pk}/")
    assert response["Location"].endswith(f"#c-{notification.comment.short_id}")
    assert re.search(r'Inbox <span class="badge"[^>]*>1</span>', text(client.get("/")))
    client.post("/inbox/read-all/")
    assert 'class="badge"' not in text(client.get("/"))
    assert client.get(f"/inbox/{notification.pk + 1000}/").status_code == 404


def test_nobody_opens_someone_elses_notification(client, post, member):
    CommentFactory(post=post, author=member)
    notification = Notification.objects.get()
    client.force_login(UserFactory())
    assert client.get(f"/inbox/{notification.pk}/").status_code == 404


def test_comment_lists_leave_out_hidden_posts_and_tags(client, member):
    rust = TagFactory(slug="rust")
    seen = PostFactory(title="Seen post")
    hidden = PostFactory(title="Hidden post")
    tagged = PostFactory(title="Tagged post", tags=[rust])
    for target in (seen, hidden, tagged):
        CommentFactory(post=target, author=member, body=f"On {target.title}")
    reader = UserFactory()
    hidden_post_add(user=reader, post=hidden)
    hidden_tag_add(user=reader, tag=rust)
    client.force_login(reader)
    for url in ("/comments/", f"/u/{member.username}/comments/"):
        page = text(client.get(url))
        assert "On Seen post" in page
        assert "On Hidden post" not in page
        assert "On Tagged post" not in page
    assert client.get("/comments/?after=broken").status_code == 400


def test_comment_feeds_parse(client, post):
    comment = CommentFactory(post=post, body="In the *feed*")
    for url in (
        "/feeds/comments.rss",
        "/feeds/comments.atom",
        f"/feeds/p/{post.short_id}/comments.rss",
        f"/feeds/p/{post.short_id}/comments.atom",
        f"/feeds/u/{comment.author.username}/comments.rss",
        f"/feeds/u/{comment.author.username}/comments.atom",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        parsed = feedparser.parse(response.content)
        assert not parsed.bozo, (url, parsed.bozo_exception)
        assert "<em>feed</em>" in parsed.entries[0].summary


def test_notification_settings_and_one_click_unsubscribe(client, post, member, delivered):
    client.force_login(post.author)
    assert "Email me replies" in text(client.get("/settings/"))
    client.post("/settings/notifications/", {"email_mentions": "on"})
    preference = NotificationPreference.objects.get(user=post.author)
    assert (preference.email_replies, preference.email_mentions) == (False, True)
    preference.email_replies = True
    preference.save()
    mail.outbox.clear()
    with delivered():
        CommentFactory(post=post, author=member)
    [message] = mail.outbox
    url = re.search(r"https?://[^/\s]+(/notifications/unsubscribe/[^\s]+/)", message.body).group(1)
    anonymous = Client(enforce_csrf_checks=True)
    assert "Stop emails about replies?" in text(anonymous.get(url))
    assert anonymous.post(url).status_code == 200  # one-click, no CSRF token, no log-in
    preference.refresh_from_db()
    assert preference.email_replies is False
    bad = anonymous.get("/notifications/unsubscribe/forged/")
    assert bad.status_code == 400


def test_mute_a_thread(client, post, member):
    client.force_login(post.author)
    client.post(f"/p/{post.short_id}/-/mute/", {"action": "mute"})
    assert "Unmute this discussion" in text(client.get(post.get_absolute_url()))
    CommentFactory(post=post, author=member)
    assert not Notification.objects.exists()


def test_unsubscribe_token_names_user_and_kind():
    token = unsubscribe_token_make(user_id=7, kind="mention")
    assert token.startswith("7.mention:")


def test_a_comment_written_by_the_service_shows_for_others(client, post, member):
    comment_create(author=member, post=post, body="Visible to all")
    assert "Visible to all" in text(Client().get(post.get_absolute_url()))
