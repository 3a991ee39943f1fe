"""Flags: members with enough karma flag a post or a comment once, with undo; flags lower a
post's hotness and a comment's confidence, and a post past the threshold leaves the hot feed
until a moderator decides (docs/moderation.md#flags)."""

from __future__ import annotations

import pytest
from django.utils import timezone

from accounts.services import user_delete
from discussion.models import Comment
from discussion.ranking import confidence
from discussion.services.voting import comment_vote_cast
from moderation.models import Flag
from moderation.services.errors import FlagNotAllowed
from moderation.services.flags import comment_flag, comment_unflag, post_flag, post_unflag
from posts.models import Post
from posts.ranking import hotness
from posts.services.voting import vote_cast
from tests.accounts.factories import UserFactory
from tests.discussion.factories import CommentFactory
from tests.moderation.factories import trusted
from tests.posts.factories import PostFactory

pytestmark = pytest.mark.django_db


def flag_page(client, post):
    return f"/p/{post.short_id}/-/flag/"


@pytest.mark.parametrize(("karma", "allowed"), [(9, False), (10, True)])
def test_flagging_opens_at_the_karma_setting(client, settings, karma, allowed):
    settings.MODERATION_FLAG_MIN_KARMA = 10
    post = PostFactory()
    member = UserFactory(karma=karma)
    client.force_login(member)

    page = client.get(flag_page(client, post)).content.decode()
    response = client.post(flag_page(client, post), {"action": "flag", "reason": "spam"})

    post.refresh_from_db()
    if allowed:
        assert 'value="spam"' in page
        assert response.status_code == 302
        assert response["Location"] == post.get_absolute_url()
        assert post.flag_count == 1
    else:
        assert "Flagging opens at 10 karma; you have 9." in page
        assert response.status_code == 400
        assert "Flagging opens at 10 karma; you have 9." in response.content.decode()
        assert post.flag_count == 0
        assert not Flag.objects.exists()


def test_a_member_flags_a_post_once_and_can_take_it_back():
    post = PostFactory()
    member = trusted()

    assert post_flag(user=member, post=post, reason="off-topic")
    assert post_flag(user=member, post=post, reason="spam") is False
    post.refresh_from_db()
    assert post.flag_count == 1
    assert Flag.objects.get().reason == "off-topic"

    assert post_unflag(user=member, post=post)
    assert post_unflag(user=member, post=post) is False
    post.refresh_from_db()
    assert post.flag_count == 0
    assert post_flag(user=member, post=post, reason="spam")  # flagging again after an undo


def test_undo_through_the_flag_page(client):
    post = PostFactory()
    member = trusted()
    post_flag(user=member, post=post, reason="broken-link")
    client.force_login(member)

    page = client.get(flag_page(client, post)).content.decode()
    assert "You flagged this as <strong>broken link</strong>" in page
    response = client.post(flag_page(client, post), {"action": "unflag"})

    assert response.status_code == 302
    assert not Flag.objects.exists()
    post.refresh_from_db()
    assert post.flag_count == 0


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("own", "You cannot flag your own post."),
        ("removed", "This post is not open for flags."),
        ("reason", "Choose why: off-topic, already posted, broken link or spam."),
        ("unverified", "Verify your email address before flagging."),
    ],
)
def test_what_cannot_be_flagged(case, message):
    member = trusted(email_verified_at=None if case == "unverified" else timezone.now())
    post = PostFactory(author=member if case == "own" else UserFactory())
    if case == "removed":
        Post.objects.filter(pk=post.pk).update(status=Post.Status.REMOVED)
        post.refresh_from_db()

    with pytest.raises(FlagNotAllowed, match=message):
        post_flag(user=member, post=post, reason="unkind" if case == "reason" else "spam")
    assert not Flag.objects.exists()


def test_each_open_flag_is_a_point_against_hotness():
    post = PostFactory()
    for _ in range(5):
        vote_cast(user=UserFactory(), post=post)
    post_flag(user=trusted(), post=post, reason="spam")
    post_flag(user=trusted(), post=post, reason="spam")

    post.refresh_from_db()
    assert post.hotness == pytest.approx(hotness(score=3, published_at=post.published_at))
    assert post.hotness == pytest.approx(hotness(score=5, published_at=post.published_at, flags=2))
    # Votes after the flags keep counting them.
    vote_cast(user=UserFactory(), post=post)
    post.refresh_from_db()
    assert post.hotness == pytest.approx(hotness(score=4, published_at=post.published_at))


def test_a_post_at_the_threshold_leaves_the_hot_feed_until_a_moderator_decides(client, settings):
    settings.MODERATION_FLAG_HIDE_THRESHOLD = 3
    post = PostFactory(title="Buy cheap watches")
    flaggers = [trusted() for _ in range(3)]

    for flagger in flaggers[:2]:
        post_flag(user=flagger, post=post, reason="spam")
    assert "Buy cheap watches" in client.get("/").content.decode()  # just below: still there

    post_flag(user=flaggers[2], post=post, reason="spam")
    post.refresh_from_db()
    assert post.held
    assert "Buy cheap watches" not in client.get("/").content.decode()
    assert "Buy cheap watches" not in client.get("/feeds/home.rss").content.decode()
    assert client.get("/api/v1/posts/").json()["results"] == []
    # Off the front page only: the post itself and the newest list still show it.
    assert "Buy cheap watches" in client.get("/newest/").content.decode()
    assert client.get(post.get_absolute_url()).status_code == 200

    # Taking a flag back does not decide for the moderator.
    post_unflag(user=flaggers[0], post=post)
    post.refresh_from_db()
    assert (post.flag_count, post.held) == (2, True)
    assert "Buy cheap watches" not in client.get("/").content.decode()


def test_a_comments_flags_are_its_down_votes_and_order_it_below_its_siblings(client):
    post = PostFactory()
    first = CommentFactory(post=post, body="First, and kind.")
    second = CommentFactory(post=post, body="Second, and rude.")
    for comment in (first, second):
        comment_vote_cast(user=UserFactory(), comment=comment)
    flagger = trusted()

    assert comment_flag(user=flagger, comment=first, reason="unkind")
    assert comment_flag(user=flagger, comment=first, reason="unkind") is False

    first.refresh_from_db()
    assert first.flag_count == 1
    assert first.confidence == pytest.approx(confidence(ups=1, downs=1))
    page = client.get(post.get_absolute_url()).content.decode()
    assert page.index("Second, and rude.") < page.index("First, and kind.")

    # A vote after the flag keeps counting it.
    comment_vote_cast(user=UserFactory(), comment=first)
    first.refresh_from_db()
    assert first.confidence == pytest.approx(confidence(ups=2, downs=1))

    assert comment_unflag(user=flagger, comment=first)
    first.refresh_from_db()
    assert (first.flag_count, first.confidence) == (0, pytest.approx(confidence(ups=2)))


def test_comment_reasons_and_the_comment_flag_page(client):
    comment = CommentFactory()
    member = trusted()
    client.force_login(member)
    url = f"/c/{comment.short_id}/flag/"

    page = client.get(url).content.decode()
    assert 'value="me-too"' in page
    assert 'value="broken-link"' not in page
    refused = client.post(url, {"action": "flag", "reason": "broken-link"})
    assert refused.status_code == 400
    response = client.post(url, {"action": "flag", "reason": "me-too"})

    assert response.status_code == 302
    assert response["Location"] == f"{comment.post.get_absolute_url()}#{comment.anchor}"
    assert Comment.objects.get(pk=comment.pk).flag_count == 1


def test_the_post_page_offers_flag_links_and_shows_moderators_the_flags(client, settings):
    settings.MODERATION_FLAG_HIDE_THRESHOLD = 1
    post = PostFactory()
    comment = CommentFactory(post=post)
    post_flag(user=trusted(), post=post, reason="spam")

    anonymous = client.get(post.get_absolute_url()).content.decode()
    assert "/-/flag/" not in anonymous
    assert "1 open flag" not in anonymous

    client.force_login(UserFactory())
    member = client.get(post.get_absolute_url()).content.decode()
    assert f'href="/p/{post.short_id}/-/flag/"' in member
    assert f'href="/c/{comment.short_id}/flag/"' in member
    assert "1 open flag" not in member

    client.force_login(UserFactory(is_staff=True))
    staff = client.get(post.get_absolute_url()).content.decode()
    assert "1 open flag, held off the front page" in staff


def test_a_deleted_account_takes_its_open_flags_back():
    post, comment = PostFactory(), CommentFactory()
    member = trusted()
    post_flag(user=member, post=post, reason="spam")
    comment_flag(user=member, comment=comment, reason="spam")

    user_delete(user=member)

    post.refresh_from_db()
    comment.refresh_from_db()
    assert (post.flag_count, comment.flag_count) == (0, 0)


def test_visitors_are_sent_to_log_in_to_flag(client):
    post = PostFactory()
    response = client.post(flag_page(client, post), {"action": "flag", "reason": "spam"})
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")
    assert not Flag.objects.exists()
