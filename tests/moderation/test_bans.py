"""Suspensions and bans: a moderator suspends a member for a period or bans them for good, with
a reason; until then they cannot log in (and are told why), their sessions and API tokens stop
working and the writing services refuse them; lifting it, or its end, lets them back
(docs/moderation.md#bans)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import BANNED_FOREVER, User
from accounts.tokens import api_token_create
from discussion.services.comments import comment_create
from discussion.services.errors import CommentActionNotAllowed, CommentRejected
from discussion.services.voting import comment_vote_cast
from moderation.models import ModerationAction
from moderation.services.actions import ModerationConflict, moderation_member_suspend
from moderation.services.errors import FlagNotAllowed
from moderation.services.flags import post_flag
from posts.services.content import PostContent
from posts.services.errors import PostRejected
from posts.services.submission import post_submit
from posts.services.voting import VoteNotAllowed, vote_cast
from tests.accounts.factories import UserFactory
from tests.discussion.factories import CommentFactory
from tests.posts.factories import PostFactory, TagFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery-9"  # the factories' password


@pytest.fixture
def troll():
    return UserFactory(
        username="troll", email="troll@private.example", karma=500, date_joined=timezone.now()
    )


@pytest.fixture
def moderator():
    return UserFactory(username="ada", email="ada@private.example", is_staff=True)


def log_in(client, user):
    return client.post("/login/", {"username": user.username, "password": PASSWORD})


def suspend(client, moderator, member, duration="7", reason="Trolling"):
    client.force_login(moderator)
    response = client.post(f"/mod/u/{member.username}/", {"duration": duration, "reason": reason})
    client.logout()
    return response


def test_a_suspended_member_cannot_log_in_and_is_told_why_until_when(client, moderator, troll):
    response = suspend(client, moderator, troll)

    assert response.status_code == 302
    troll.refresh_from_db()
    assert troll.banned_until == pytest.approx(
        timezone.now() + timedelta(days=7), abs=timedelta(minutes=1)
    )
    refused = log_in(client, troll)
    assert refused.status_code == 200
    page = refused.content.decode()
    assert "This account is suspended until" in page
    assert "Trolling" in page
    assert "_auth_user_id" not in client.session
    # A wrong password says nothing about the suspension.
    wrong = client.post("/login/", {"username": "troll", "password": "not-the-password"})
    assert "suspended" not in wrong.content.decode()


def test_a_suspension_ends_the_members_open_sessions(client, moderator, troll):
    client.force_login(troll)
    assert client.get("/submit/").status_code == 200
    moderation_member_suspend(moderator=moderator, member=troll, days=1, reason="Spam")

    response = client.get("/submit/")

    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_the_api_refuses_a_suspended_members_tokens(client, moderator, troll):
    token = api_token_create(user=troll, name="bot", scope="write").secret
    headers = {"authorization": f"Bearer {token}"}
    assert client.get("/api/v1/me/", headers=headers).status_code == 200
    moderation_member_suspend(moderator=moderator, member=troll, days=None, reason="Spam bot")

    response = client.get("/api/v1/me/", headers=headers)

    assert response.status_code == 401
    assert response.json()["error"]["message"] == "This account is banned: Spam bot"


def test_the_writing_services_refuse_a_suspended_member(moderator, troll):
    post, comment = PostFactory(), CommentFactory()
    moderation_member_suspend(moderator=moderator, member=troll, days=30, reason="Spam")
    troll.refresh_from_db()

    with pytest.raises(PostRejected, match="This account is suspended until"):
        post_submit(
            author=troll,
            content=PostContent.of(
                title="More spam", url="https://spam.example/", tags=[TagFactory()]
            ),
        )
    with pytest.raises(CommentRejected, match="suspended"):
        comment_create(author=troll, post=post, body="Spam")
    with pytest.raises(VoteNotAllowed, match="suspended"):
        vote_cast(user=troll, post=post)
    with pytest.raises(CommentActionNotAllowed, match="suspended"):
        comment_vote_cast(user=troll, comment=comment)
    with pytest.raises(FlagNotAllowed, match="suspended"):
        post_flag(user=troll, post=post, reason="spam")


@pytest.mark.parametrize(
    ("ends_in", "refused"), [(timedelta(minutes=1), True), (timedelta(0), False)]
)
def test_a_suspension_lasts_exactly_until_its_end(client, troll, ends_in, refused):
    User.objects.filter(pk=troll.pk).update(banned_until=timezone.now() + ends_in, ban_reason="x")

    log_in(client, troll)

    assert ("_auth_user_id" not in client.session) is refused


def test_a_ban_and_lifting_it_are_in_the_public_log_without_anything_private(
    client, moderator, troll
):
    client.defaults["REMOTE_ADDR"] = "203.0.113.77"  # every request comes from this address
    suspend(client, moderator, troll, duration="ban", reason="Spam, only spam")
    troll.refresh_from_db()
    assert troll.banned_until == BANNED_FOREVER
    assert troll.suspension_notice == "This account is banned: Spam, only spam"

    client.force_login(moderator)
    assert "troll" in client.get("/mod/").content.decode().split("Suspended members")[1]
    client.post(f"/mod/u/{troll.username}/reinstate/", {"reason": "Appeal accepted"})
    client.logout()

    troll.refresh_from_db()
    assert not troll.is_suspended
    log_in(client, troll)
    assert "_auth_user_id" in client.session
    kinds = [entry.kind for entry in ModerationAction.objects.order_by("id")]
    assert kinds == ["member-banned", "member-reinstated"]
    for page in (client.get("/moderations/"), client.get("/moderations.rss")):
        text = page.content.decode()
        assert "troll" in text
        assert "Spam, only spam" in text
        assert "Appeal accepted" in text
        assert "@private.example" not in text
        assert "203.0.113.77" not in text


def test_a_suspension_for_a_period_says_until_when_in_the_log(client, moderator, troll):
    suspend(client, moderator, troll, duration="30", reason="Flame wars")
    entry = ModerationAction.objects.get()
    assert entry.kind == "member-suspended"
    assert entry.details.startswith("for 30 days, until ")
    assert "suspended a member" in client.get("/moderations/").content.decode()


def test_moderators_suspend_neither_themselves_nor_staff(client, moderator):
    other = UserFactory(is_staff=True)
    for member in (moderator, other):
        client.force_login(moderator)
        response = client.post(f"/mod/u/{member.username}/", {"duration": "1", "reason": "x"})
        assert response.status_code == 400
        member.refresh_from_db()
        assert not member.is_suspended
    assert not ModerationAction.objects.exists()


def test_a_second_moderator_suspending_is_told_it_is_done(client, moderator, troll):
    stale = User.objects.get(pk=troll.pk)
    moderation_member_suspend(moderator=moderator, member=troll, days=7, reason="Trolling")

    with pytest.raises(ModerationConflict, match="troll is already suspended") as conflict:
        moderation_member_suspend(
            moderator=UserFactory(is_staff=True), member=stale, days=1, reason="Me too"
        )
    assert "ada suspended a member" in conflict.value.message
