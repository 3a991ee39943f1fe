"""Hotness is stored, indexed and recomputed in the same transaction as the vote."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.db import IntegrityError, transaction

from posts.models import Post, Vote
from posts.ranking import hotness
from posts.services import VoteNotAllowed, vote_cast, vote_remove
from tests.factories import PostFactory, UserFactory


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
