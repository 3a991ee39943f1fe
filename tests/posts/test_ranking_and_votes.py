"""Hotness is stored, indexed and recomputed in the same transaction as the vote."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from posts.models import Post, Vote
from posts.ranking import hotness
from posts.services.voting import VoteNotAllowed, vote_cast, vote_remove
from tests.accounts.factories import UserFactory
from tests.posts.factories import PostFactory


def test_ten_times_the_score_is_worth_one_window_of_age(settings):
    t = datetime(2026, 1, 1, tzinfo=UTC)
    later = t + timedelta(seconds=settings.HOTNESS_WINDOW_SECONDS)
    assert hotness(score=10, published_at=t) == pytest.approx(hotness(score=1, published_at=later))
    assert hotness(score=0, published_at=later) > hotness(score=0, published_at=t)
    assert hotness(score=100, published_at=t) > hotness(score=10, published_at=t)


@pytest.mark.django_db
def test_vote_updates_score_and_hotness_and_unvote_restores_them():
    post = PostFactory()
    before = post.hotness
    voter = UserFactory()
    assert vote_cast(user=voter, post=post) is True
    post.refresh_from_db()
    assert post.score == 1
    assert post.hotness == pytest.approx(hotness(score=1, published_at=post.published_at))
    assert post.hotness == before  # log10(1) == log10(0 floor): one vote does not move it
    for _ in range(9):
        vote_cast(user=UserFactory(), post=post)
    post.refresh_from_db()
    assert post.score == 10
    assert post.hotness > before
    assert vote_remove(user=voter, post=post) is True
    post.refresh_from_db()
    assert post.score == 9
    assert Vote.objects.filter(post=post).count() == 9


@pytest.mark.django_db
def test_voting_twice_or_unvoting_without_a_vote_changes_nothing():
    post = PostFactory()
    voter = UserFactory()
    vote_cast(user=voter, post=post)
    assert vote_cast(user=voter, post=post) is False
    assert vote_remove(user=UserFactory(), post=post) is False
    post.refresh_from_db()
    assert post.score == 1


@pytest.mark.django_db
def test_own_and_unpublished_posts_cannot_be_voted():
    post = PostFactory()
    with pytest.raises(VoteNotAllowed):
        vote_cast(user=post.author, post=post)
    draft = PostFactory(status=Post.Status.DRAFT, published_at=None)
    with pytest.raises(VoteNotAllowed):
        vote_cast(user=UserFactory(), post=draft)
    assert Vote.objects.count() == 0


@pytest.mark.django_db
def test_database_refuses_a_second_vote_row():
    post = PostFactory()
    voter = UserFactory()
    Vote.objects.create(user=voter, post=post)
    with pytest.raises(IntegrityError), transaction.atomic():
        Vote.objects.create(user=voter, post=post)


@pytest.mark.django_db
def test_a_vote_through_a_stale_post_object_counts_from_the_stored_score():
    post = PostFactory()
    stale = Post.objects.get(pk=post.pk)  # loaded before the next two votes
    vote_cast(user=UserFactory(), post=post)
    vote_cast(user=UserFactory(), post=post)
    assert stale.score == 0

    vote_cast(user=UserFactory(), post=stale)

    post.refresh_from_db()
    assert (post.score, stale.score) == (3, 3)
    assert post.hotness == pytest.approx(hotness(score=3, published_at=post.published_at))


def statements(queries) -> list[str]:
    """The first word of each statement, savepoints left out."""
    kinds = [query["sql"].split()[0].upper() for query in queries]
    return [kind for kind in kinds if kind not in {"SAVEPOINT", "RELEASE"}]


@pytest.mark.django_db
def test_a_vote_is_a_lock_an_insert_and_one_update():
    post = PostFactory()
    voter = UserFactory()

    with CaptureQueriesContext(connection) as cast:
        vote_cast(user=voter, post=post)
    with CaptureQueriesContext(connection) as removed:
        vote_remove(user=voter, post=post)

    # The author's karma (one UPDATE, the author's row first: docs/moderation.md#karma); SELECT
    # score, published_at ... FOR UPDATE; INSERT / DELETE the vote; one UPDATE of the score and
    # hotness (no re-read, no second write).
    assert statements(cast.captured_queries) == ["UPDATE", "SELECT", "INSERT", "UPDATE"]
    assert statements(removed.captured_queries) == ["UPDATE", "SELECT", "DELETE", "UPDATE"]
    if connection.vendor == "postgresql":
        assert any(q["sql"].endswith("FOR UPDATE") for q in cast.captured_queries)
