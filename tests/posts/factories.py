"""Factories for the posts app's models."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

import factory
from django.utils import timezone

from posts.models import (
    Channel,
    ChannelMembership,
    Entity,
    FeedToken,
    Follow,
    HiddenPost,
    HiddenTag,
    KeyFact,
    Post,
    PostEntity,
    SavedPost,
    Tag,
    TimelineEvent,
    Vote,
)
from posts.services.content import EntityData, KeyFactData, PostContent, TimelineEventData
from posts.services.core import post_create
from posts.services.entities import entity_name_key, entity_slug_base
from tests.accounts.factories import UserFactory


class TagFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tag
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"tag{n}")
    name = factory.LazyAttribute(lambda t: t.slug.title())
    description = factory.LazyAttribute(lambda t: f"All about {t.slug}.")


class ChannelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Channel
        django_get_or_create = ("handle",)

    handle = factory.Sequence(lambda n: f"channel{n}")
    name = factory.LazyAttribute(lambda c: c.handle.title())
    description = "News for developers."
    newsletter_name = factory.LazyAttribute(lambda c: f"{c.name} Weekly")


class ChannelMembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ChannelMembership

    channel = factory.SubFactory(ChannelFactory)
    user = factory.SubFactory(UserFactory)
    role = ChannelMembership.Role.MEMBER


class PostFactory(factory.django.DjangoModelFactory):
    """Builds posts through the same service the site uses, so derived columns are real."""

    class Meta:
        model = Post

    author = factory.SubFactory(UserFactory)
    title = factory.Sequence(lambda n: f"Post number {n} about developer tooling")
    url = factory.Sequence(lambda n: f"https://news{n}.example.com/articles/{n}")
    tldr = factory.LazyFunction(lambda: ["First point.", "Second point."])
    body = "A **summary** of the article."
    published_at = factory.LazyFunction(lambda: timezone.now() - timedelta(minutes=5))
    channel = None

    @classmethod
    def _create(
        cls,
        model_class,
        *args,
        author,
        published_at,
        status=Post.Status.PUBLISHED,
        tags=(),
        key_facts=(),
        timeline=(),
        entities=(),
        **content,
    ):
        return post_create(
            author=author,
            content=PostContent.of(
                tags=tags,
                key_facts=[KeyFactData(*fact) for fact in key_facts],
                timeline=[TimelineEventData(*event) for event in timeline],
                # (name, role) or (name, role, kind); a known name reuses its entity.
                entities=[EntityData(*entity) for entity in entities],
                **content,
            ),
            published_at=published_at,
            status=status,
        )


class KeyFactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = KeyFact

    post = factory.SubFactory(PostFactory)
    value = "6.1"
    description = "Kernel version where support was merged."
    order = factory.Sequence(lambda n: n)


class TimelineEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TimelineEvent

    post = factory.SubFactory(PostFactory)
    date = factory.LazyFunction(lambda: timezone.now().date())
    description = "Something happened."
    order = factory.Sequence(lambda n: n)


class EntityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Entity
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Project {n}")
    name_key = factory.LazyAttribute(lambda e: entity_name_key(e.name))
    slug = factory.LazyAttribute(lambda e: entity_slug_base(e.name))
    kind = Entity.Kind.PROJECT


class PostEntityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PostEntity

    post = factory.SubFactory(PostFactory)
    entity = factory.SubFactory(EntityFactory)
    role = "Where it happened."
    order = factory.Sequence(lambda n: n)


class VoteFactory(factory.django.DjangoModelFactory):
    """A bare vote row; to change a post's score as the site does, use posts' vote_cast."""

    class Meta:
        model = Vote

    user = factory.SubFactory(UserFactory)
    post = factory.SubFactory(PostFactory)


class SavedPostFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SavedPost

    user = factory.SubFactory(UserFactory)
    post = factory.SubFactory(PostFactory)


class HiddenPostFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = HiddenPost

    user = factory.SubFactory(UserFactory)
    post = factory.SubFactory(PostFactory)


class FollowFactory(factory.django.DjangoModelFactory):
    """Follows a tag by default; pass channel= or followed_user= (and tag=None) for the others."""

    class Meta:
        model = Follow

    user = factory.SubFactory(UserFactory)
    tag = factory.SubFactory(TagFactory)


class HiddenTagFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = HiddenTag

    user = factory.SubFactory(UserFactory)
    tag = factory.SubFactory(TagFactory)


class FeedTokenFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FeedToken

    user = factory.SubFactory(UserFactory)
    token_hash = factory.LazyFunction(lambda: hashlib.sha256(secrets.token_bytes(32)).hexdigest())
