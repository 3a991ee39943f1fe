"""Invariants enforced by the database itself, not only by forms."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import User
from posts.models import Channel, KeyFact, Post, Tag, TimelineEvent
from tests.accounts.factories import UserFactory
from tests.posts.factories import PostFactory

pytestmark = pytest.mark.django_db


def refused(**fields) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        Post.objects.create(**fields)


def valid_fields(**overrides):
    fields = {
        "short_id": "abc123",
        "slug": "s",
        "kind": "link",
        "title": "T",
        "url": "https://a.example",
        "normalized_url": "https://a.example",
        "status": "published",
        "published_at": timezone.now(),
    }
    fields.update(overrides)
    return fields


def test_post_constraints():
    Post.objects.create(**valid_fields())
    refused(**valid_fields(short_id="abc123"))  # duplicate short id
    refused(**valid_fields(short_id="x1", kind="video"))
    refused(**valid_fields(short_id="x2", status="hidden"))
    refused(**valid_fields(short_id="x3", url=""))  # link without url
    refused(**valid_fields(short_id="x4", kind="text"))  # text with url
    refused(**valid_fields(short_id="x5", published_at=None))
    refused(**valid_fields(short_id="x6", title=""))
    refused(**valid_fields(short_id="x7", score=-1))


def test_tag_and_channel_formats():
    with pytest.raises(IntegrityError), transaction.atomic():
        Tag.objects.create(slug="Not A Slug", name="x")
    with pytest.raises(IntegrityError), transaction.atomic():
        Channel.objects.create(handle="Bad-Handle", name="x")


def test_key_fact_and_timeline_constraints():
    post = PostFactory()
    KeyFact.objects.create(post=post, value="1", description="d", order=0)
    with pytest.raises(IntegrityError), transaction.atomic():
        KeyFact.objects.create(post=post, value="2", description="d", order=0)
    with pytest.raises(IntegrityError), transaction.atomic():
        KeyFact.objects.create(post=post, value="", description="d", order=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        TimelineEvent.objects.create(post=post, date=None, when="", description="d")


def test_usernames_and_emails_are_unique_regardless_of_case():
    UserFactory(username="Ada", email="ada@example.com")
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(username="ada", email="other@example.com")
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(username="ada2", email="ADA@example.com")


def test_deleting_an_author_keeps_their_posts_as_deleted_user(client):
    post = PostFactory(title="Orphan")
    post.author.delete()
    post.refresh_from_db()
    assert post.author is None
    assert "deleted user" in client.get(post.get_absolute_url()).content.decode()
