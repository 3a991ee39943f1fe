"""Two submissions at the same moment, on PostgreSQL: the duplicate check and the rate limits
hold because post_submit locks the link (advisory lock) and the author's row."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from posts.models import Post
from posts.ranking import hotness
from posts.services.content import PostContent
from posts.services.core import post_create
from posts.services.errors import PostRejected
from posts.services.submission import post_submit
from posts.services.voting import vote_cast
from tests.accounts.factories import UserFactory
from tests.posts.factories import TagFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def race(*calls) -> list[object]:
    """Run each call in its own thread and database connection, released at the same instant."""
    barrier = threading.Barrier(len(calls))
    results: list[object] = [None] * len(calls)

    def run(index: int) -> None:
        barrier.wait()
        try:
            results[index] = calls[index]()
        except Exception as exc:  # the refusal is the result under test
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return results


def submitter(author, url, tag):
    def call():
        return post_submit(
            author=author,
            content=PostContent.of(
                url=url,
                title="Same story",
                tags=[tag],
                channel=None,
                tldr=[],
                body="",
                key_facts=[],
                timeline=[],
            ),
        )

    return call


@pytest.mark.parametrize("attempt", range(3))
def test_two_users_posting_the_same_link_at_once_get_one_post(attempt):
    tag = TagFactory()
    old = timezone.now() - timedelta(days=30)
    users = [UserFactory(date_joined=old) for _ in range(4)]
    results = race(
        *(
            submitter(user, f"https://race.example/{attempt}?utm_source={i}", tag)
            for i, user in enumerate(users)
        )
    )
    posts = [r for r in results if isinstance(r, Post)]
    refusals = [r for r in results if isinstance(r, PostRejected)]
    assert len(posts) == 1, results
    assert [r.code for r in refusals] == ["duplicate"] * 3
    assert Post.objects.count() == 1


def test_a_new_account_cannot_slip_two_posts_past_the_interval_at_once():
    tag = TagFactory()
    newcomer = UserFactory()
    results = race(*(submitter(newcomer, f"https://a{i}.example/", tag) for i in range(3)))
    assert sum(isinstance(r, Post) for r in results) == 1, results
    assert Post.objects.filter(author=newcomer).count() == 1


def test_votes_cast_at_the_same_moment_all_count():
    post = post_create(
        author=UserFactory(),
        content=PostContent.of(
            title="Popular",
            url="https://example.com/popular",
            tldr=[],
            body="",
            channel=None,
            tags=[TagFactory()],
        ),
    )
    voters = [UserFactory() for _ in range(8)]

    results = race(*(lambda voter=voter: vote_cast(user=voter, post=post) for voter in voters))

    assert results == [True] * 8
    post.refresh_from_db()
    assert post.score == 8  # no lost update: each vote read the score under the row lock
    assert post.hotness == pytest.approx(hotness(score=8, published_at=post.published_at))
