"""factory_boy factories for every model the tests build."""

from __future__ import annotations

from datetime import timedelta

import factory
from django.utils import timezone

from accounts.models import User
from posts import services
from posts.models import Channel, ChannelMembership, KeyFact, Post, Tag, TimelineEvent


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    display_name = factory.LazyAttribute(lambda u: u.username.title())
    email_verified_at = factory.LazyFunction(timezone.now)
    password = factory.django.Password("correct-horse-battery-9")


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
    def _create(cls, model_class, *args, tags=(), key_facts=(), timeline=(), **kwargs):
        return services.post_create(
            tags=tags,
            key_facts=[services.KeyFactData(*fact) for fact in key_facts],
            timeline=[services.TimelineEventData(*event) for event in timeline],
            **kwargs,
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
