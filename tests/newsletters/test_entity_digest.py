"""A personal digest carries the posts of the key entities its reader follows."""

from __future__ import annotations

from datetime import timedelta

import pytest

from newsletters.models import Delivery
from newsletters.services import digests
from newsletters.services import subscriptions as services
from posts.models import Entity
from posts.services.follows import follow_add
from tests.accounts.factories import UserFactory
from tests.posts.factories import PostFactory

pytestmark = pytest.mark.django_db


def test_a_followed_entitys_posts_are_in_the_digest(django_capture_on_commit_callbacks):
    user = UserFactory()
    preference = services.digest_preference_update(
        user=user, frequency="daily", weekday=0, hour=9, timezone_name="UTC"
    )
    due = preference.next_due_at
    involved = PostFactory(
        published_at=due - timedelta(hours=2),
        entities=[("Harborlane CI", "Its runners got cheaper.", "project")],
    )
    PostFactory(published_at=due - timedelta(hours=2))  # nothing the reader follows
    follow_add(user=user, target=Entity.objects.get(slug="harborlane-ci"))
    now = due + timedelta(minutes=1)
    with django_capture_on_commit_callbacks(execute=True):
        for first, last in digests.digest_batches(now=now):
            digests.digest_batch_queue(first_id=first, last_id=last, now=now)
    assert Delivery.objects.get(user=user).post_ids == [involved.pk]
