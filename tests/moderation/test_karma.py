"""Karma: the upvotes others give a member's posts and comments, stored on the account in the
vote's transaction, and shown on the profile with the member's posts, comments and whether the
account is new (docs/moderation.md#karma)."""

from __future__ import annotations

import importlib
from datetime import timedelta

import pytest
from django.apps import apps
from django.utils import timezone

from accounts.models import User
from accounts.services import user_delete
from discussion.services.voting import comment_vote_cast, comment_vote_remove
from posts.services.voting import vote_cast, vote_remove
from tests.accounts.factories import UserFactory
from tests.discussion.factories import CommentFactory, CommentVoteFactory
from tests.posts.factories import PostFactory, VoteFactory

pytestmark = pytest.mark.django_db


def karma(user: User) -> int:
    return User.objects.values_list("karma", flat=True).get(pk=user.pk)


def test_an_upvote_on_a_post_is_a_point_of_karma_for_its_author_and_unvoting_takes_it_back():
    author = UserFactory()
    post, other = PostFactory(author=author), PostFactory(author=author)
    voter = UserFactory()

    assert vote_cast(user=voter, post=post)
    assert vote_cast(user=voter, post=other)
    assert vote_cast(user=voter, post=post) is False  # a second vote counts nothing
    assert karma(author) == 2
    assert karma(voter) == 0

    assert vote_remove(user=voter, post=post)
    assert vote_remove(user=voter, post=post) is False
    assert karma(author) == 1


def test_an_upvote_on_a_comment_is_a_point_of_karma_for_its_author():
    author = UserFactory()
    comment = CommentFactory(author=author)
    voter = UserFactory()

    assert comment_vote_cast(user=voter, comment=comment)
    assert comment_vote_cast(user=voter, comment=comment) is False
    assert karma(author) == 1
    assert comment_vote_remove(user=voter, comment=comment)
    assert karma(author) == 0


def test_a_deleted_voter_takes_their_points_back():
    author = UserFactory()
    voter = UserFactory()
    vote_cast(user=voter, post=PostFactory(author=author))
    assert karma(author) == 1

    user_delete(user=voter)

    assert karma(author) == 0


def test_the_migration_counts_the_votes_cast_before_karma_was_stored():
    author, voter = UserFactory(), UserFactory()
    post = PostFactory(author=author)
    VoteFactory(user=voter, post=post)
    VoteFactory(user=author, post=post)  # one's own vote is no karma
    CommentVoteFactory(user=voter, comment=CommentFactory(author=author))
    VoteFactory(user=author, post=PostFactory(author=voter))
    User.objects.update(karma=0)

    migration = importlib.import_module("moderation.migrations.0001_karma_backfill")
    migration.karma_backfill(apps, None)

    assert (karma(author), karma(voter)) == (2, 1)


def test_the_profile_shows_karma_posts_comments_and_join_date(client):
    member = UserFactory(username="ada", date_joined=timezone.now() - timedelta(days=400))
    PostFactory(author=member)
    PostFactory(author=member)
    CommentFactory(author=member)
    vote_cast(user=UserFactory(), post=member.posts.first())

    page = client.get("/u/ada/").content.decode()

    assert "1 karma" in page
    assert "2 posts" in page
    assert "1 comment" in page
    assert "Joined " in page
    assert "new account" not in page


@pytest.mark.parametrize(
    ("age", "is_new"),
    [(timedelta(days=14) - timedelta(minutes=1), True), (timedelta(days=14), False)],
)
def test_an_account_younger_than_the_setting_is_marked_new_on_its_profile(
    client, settings, age, is_new
):
    settings.MODERATION_NEW_ACCOUNT_DAYS = 14
    UserFactory(username="newbie", date_joined=timezone.now() - age)

    page = client.get("/u/newbie/").content.decode()

    assert ("new account" in page) is is_new
