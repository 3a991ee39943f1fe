"""The discussion's rules, at the services: comments, replies, limits, votes, ordering,
the post's stored counters and hotness, notifications and their emails."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from discussion.models import MAX_DEPTH, Comment, Notification
from discussion.ranking import confidence
from discussion.selectors import thread_for
from discussion.services.comments import (
    comment_create,
    comment_delete,
    comment_edit,
    comment_remove,
)
from discussion.services.errors import CommentActionNotAllowed, CommentRejected
from discussion.services.notifications import (
    mentioned_usernames,
    notification_preference_update,
    thread_mute_set,
)
from discussion.services.voting import comment_vote_cast, comment_vote_remove
from posts.models import Post
from posts.ranking import hotness
from tests.accounts.factories import UserFactory
from tests.discussion.factories import CommentFactory
from tests.posts.factories import PostFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def post():
    return PostFactory(author=UserFactory(username="submitter"))


def test_a_comment_and_a_reply_update_the_posts_count_time_and_thread(post, member):
    comment = comment_create(author=member, post=post, body="  First!  ")
    reply = comment_create(author=post.author, post=post, body="Thanks.", parent=comment)
    post.refresh_from_db()
    assert comment.body == "First!"
    assert (reply.parent, reply.depth) == (comment, 1)
    assert post.comment_count == 2
    assert post.last_commented_at == reply.created_at
    thread = thread_for(post=post, viewer=None)
    assert [item.comment for item in thread.comments] == [comment, reply]
    assert thread.count == 2


def test_markdown_is_rendered_and_sanitized(post, member):
    comment = comment_create(
        author=member, post=post, body="**bold** <script>alert(1)</script> [x](javascript:y)"
    )
    assert "<strong>bold</strong>" in comment.body_html
    assert "<script" not in comment.body_html
    assert 'href="javascript' not in comment.body_html


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("", "Write something first."),
        ("   \n ", "Write something first."),
        ("x" * 10_001, "Keep comments to 10,000 characters"),
        ("bell\x07", "U+0007"),
        ("nul\x00", "U+0000"),
    ],
)
def test_bad_bodies_are_refused_and_nothing_is_saved(post, member, body, message):
    with pytest.raises(CommentRejected) as info:
        comment_create(author=member, post=post, body=body)
    assert message in info.value.message
    assert not Comment.objects.exists()
    post.refresh_from_db()
    assert post.comment_count == 0


def test_unverified_members_and_closed_posts_cannot_comment(post, member):
    with pytest.raises(CommentRejected) as info:
        comment_create(author=UserFactory(email_verified_at=None), post=post, body="Hi")
    assert info.value.code == "unverified"
    Post.objects.filter(pk=post.pk).update(status=Post.Status.REMOVED)
    post.refresh_from_db()
    with pytest.raises(CommentRejected) as info:
        comment_create(author=member, post=post, body="Hi")
    assert info.value.code == "closed"


def test_replies_stay_on_their_post_and_within_the_depth_limit(post, member):
    other = PostFactory()
    elsewhere = comment_create(author=member, post=other, body="Elsewhere")
    with pytest.raises(CommentRejected):
        comment_create(author=member, post=post, body="Hi", parent=elsewhere)
    parent = comment_create(author=member, post=post, body="0")
    for depth in range(1, MAX_DEPTH + 1):
        parent = comment_create(author=member, post=post, body=str(depth), parent=parent)
    assert parent.depth == MAX_DEPTH
    with pytest.raises(CommentRejected) as info:
        comment_create(author=member, post=post, body="too deep", parent=parent)
    assert "as deep as it goes" in info.value.message


def test_the_database_refuses_a_parent_on_another_post(post, member):
    elsewhere = comment_create(author=member, post=PostFactory(), body="Elsewhere")

    def forge() -> None:
        with transaction.atomic():
            Comment.objects.create(
                short_id="forged1", post=post, author=member, parent=elsewhere, depth=1, body="x"
            )
            if connection.vendor == "postgresql":
                connection.check_constraints()  # the foreign key is deferred to commit

    with pytest.raises(IntegrityError):
        forge()


def test_a_double_submit_is_ignored(post, member):
    first = comment_create(author=member, post=post, body="Same words")
    again = comment_create(author=member, post=post, body="Same words")
    assert again == first
    post.refresh_from_db()
    assert post.comment_count == 1


def test_new_accounts_wait_between_comments_with_a_clear_message(post, settings):
    settings.DISCUSSION_NEW_ACCOUNT_INTERVAL_SECONDS = 60
    newcomer = UserFactory(date_joined=timezone.now())
    comment_create(author=newcomer, post=post, body="One")
    with pytest.raises(CommentRejected) as info:
        comment_create(author=newcomer, post=post, body="Two")
    assert info.value.code == "rate_limited"
    assert "New accounts can comment once every 1 minute" in info.value.message
    assert 0 < info.value.retry_after <= 60
    Comment.objects.update(created_at=timezone.now() - timedelta(seconds=61))
    comment_create(author=newcomer, post=post, body="Two")


def test_the_daily_limit(post, member, settings):
    settings.DISCUSSION_DAILY_LIMIT = 2
    comment_create(author=member, post=post, body="One")
    comment_create(author=member, post=post, body="Two")
    with pytest.raises(CommentRejected) as info:
        comment_create(author=member, post=post, body="Three")
    assert info.value.code == "rate_limited"


def test_edit_within_the_window_only_by_the_author(post, member, settings):
    comment = comment_create(author=member, post=post, body="Typo")
    edited = comment_edit(comment=comment, editor=member, body="Fixed")
    assert (edited.body, edited.edited_at is not None) == ("Fixed", True)
    with pytest.raises(CommentActionNotAllowed):
        comment_edit(comment=comment, editor=UserFactory(), body="Mine now")
    settings.DISCUSSION_EDIT_WINDOW_SECONDS = 0
    with pytest.raises(CommentActionNotAllowed):
        comment_edit(comment=comment, editor=member, body="Too late")


def test_delete_keeps_the_replies_and_takes_the_text(post, member):
    comment = comment_create(author=member, post=post, body="Regrettable")
    reply = comment_create(author=UserFactory(), post=post, body="Indeed", parent=comment)
    comment_delete(comment=comment, user=member)
    comment.refresh_from_db()
    post.refresh_from_db()
    assert (comment.status, comment.body, comment.body_html) == ("deleted", "", "")
    assert post.comment_count == 1
    thread = thread_for(post=post, viewer=None)
    assert [item.comment.pk for item in thread.comments] == [comment.pk, reply.pk]
    with pytest.raises(CommentActionNotAllowed):
        comment_delete(comment=reply, user=member)


def test_staff_remove_with_a_reason_and_members_cannot(post, member):
    comment = comment_create(author=member, post=post, body="Spam spam")
    with pytest.raises(CommentActionNotAllowed):
        comment_remove(comment=comment, moderator=UserFactory(), reason="No")
    staff = UserFactory(is_staff=True)
    with pytest.raises(CommentRejected):
        comment_remove(comment=comment, moderator=staff, reason="   ")
    comment_remove(comment=comment, moderator=staff, reason="Spam")
    comment.refresh_from_db()
    assert (comment.status, comment.removed_reason, comment.body) == (
        "removed",
        "Spam",
        "Spam spam",
    )


def test_votes_score_order_siblings_and_cannot_be_cast_on_ones_own(post, member):
    quiet = comment_create(author=member, post=post, body="Quiet")
    loud = comment_create(author=UserFactory(), post=post, body="Loud")
    with pytest.raises(CommentActionNotAllowed):
        comment_vote_cast(user=member, comment=quiet)
    voters = [UserFactory() for _ in range(3)]
    for voter in voters:
        assert comment_vote_cast(user=voter, comment=loud)
    assert not comment_vote_cast(user=voters[0], comment=loud)
    loud.refresh_from_db()
    assert loud.score == 3
    assert loud.confidence == pytest.approx(confidence(ups=3))
    assert [item.comment for item in thread_for(post=post, viewer=None).comments] == [loud, quiet]
    assert comment_vote_remove(user=voters[0], comment=loud)
    loud.refresh_from_db()
    assert loud.score == 2


def test_confidence_is_the_wilson_lower_bound():
    assert confidence(ups=0) == 0
    assert confidence(ups=10) > confidence(ups=1) > 0
    assert confidence(ups=5, downs=5) < confidence(ups=5)


def test_hotness_counts_discussion_but_not_the_submitters_comments_and_at_most_the_score(
    post, member
):
    Post.objects.filter(pk=post.pk).update(score=2)
    comment_create(author=post.author, post=post, body="My own")
    post.refresh_from_db()
    assert post.comment_points == 0
    comment = comment_create(author=member, post=post, body="Half a point")
    post.refresh_from_db()
    assert post.comment_points == 0.5
    assert post.hotness == pytest.approx(
        hotness(score=2, published_at=post.published_at, comment_points=0.5)
    )
    for _ in range(3):
        comment_vote_cast(user=UserFactory(), comment=comment)
    post.refresh_from_db()
    assert post.comment_points == 2.0
    # Capped at the post's score: 2 + min(2.0, 2) = 4 points.
    assert post.hotness == pytest.approx(hotness(score=4, published_at=post.published_at))
    comment_delete(comment=comment, user=member)
    post.refresh_from_db()
    assert post.comment_points == 0


def test_replies_and_mentions_notify_once_and_email_once(post, member, delivered):
    reader = UserFactory(username="reader")
    parent = comment_create(author=reader, post=post, body="A question")
    mail.outbox.clear()
    with delivered():
        reply = comment_create(
            author=member,
            post=post,
            body="@reader @submitter @READER @nobody answer",
            parent=parent,
        )
    kinds = dict(
        Notification.objects.filter(comment=reply).values_list("recipient__username", "kind")
    )
    assert kinds == {"reader": "reply", "submitter": "mention"}
    assert sorted(message.to[0] for message in mail.outbox) == sorted(
        [reader.email, post.author.email]
    )
    message = next(m for m in mail.outbox if m.to == [reader.email])
    assert "replied to you" in message.subject
    assert "List-Unsubscribe" in message.extra_headers


def test_no_notification_for_ones_own_comment_muted_threads_or_emails_turned_off(
    post, member, delivered
):
    comment_create(author=post.author, post=post, body="Talking to myself")
    assert not Notification.objects.exists()
    thread_mute_set(user=post.author, post=post, muted=True)
    comment_create(author=member, post=post, body="Hello?")
    assert not Notification.objects.exists()
    thread_mute_set(user=post.author, post=post, muted=False)
    notification_preference_update(user=post.author, email_replies=False, email_mentions=True)
    mail.outbox.clear()
    with delivered():
        comment_create(author=member, post=post, body="Anyone?")
    assert Notification.objects.filter(recipient=post.author).count() == 1
    assert mail.outbox == []


def test_mentions_are_names_not_email_addresses():
    assert mentioned_usernames("hi @Ada, mail ada@example.com or @bob_99.") == ["ada", "bob_99"]
    assert mentioned_usernames("@x @" + "a" * 31) == []


def test_comment_factory_goes_through_the_service():
    comment = CommentFactory()
    comment.post.refresh_from_db()
    assert comment.post.comment_count == 1
