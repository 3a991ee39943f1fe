"""The demo set loads once into an empty database; the synthetic generator keeps scores honest."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db.models import Count, Min
from django.utils import timezone

from accounts.models import User
from posts.models import Entity, KeyFact, Post, TimelineEvent, Vote
from posts.services.content import EntityData, KeyFactData, PostContent, TimelineEventData
from posts.services.rules import validate_content

pytestmark = pytest.mark.django_db


def test_load_demo_fills_an_empty_database_once(client):
    call_command("load_demo")
    posts = Post.objects.count()
    assert 50 <= posts <= 80
    assert KeyFact.objects.exists()
    assert TimelineEvent.objects.exists()
    assert Post.objects.exclude(tldr=[]).count() == posts
    call_command("load_demo")  # idempotent: a second run adds nothing
    assert Post.objects.count() == posts
    response = client.get("/")
    assert response.status_code == 200
    assert len(response.context["page"].items) == 25


def test_load_demo_scores_match_vote_rows():
    call_command("load_demo")
    for post in Post.objects.annotate(n=Count("votes")):
        assert post.score == post.n


def test_generate_synthetic_writes_consistent_rows():
    call_command(
        "generate_synthetic",
        posts=300,
        users=50,
        votes=900,
        tags=10,
        channels=3,
        batch=100,
        quiet=True,
    )
    assert Post.objects.count() == 300
    assert Vote.objects.count() == sum(Post.objects.values_list("score", flat=True))
    for post in Post.objects.annotate(n=Count("votes"))[:50]:
        assert post.score == post.n


def test_demo_posts_have_leads_quotes_and_shared_entities_with_full_timelines(client):
    call_command("load_demo")
    assert Post.objects.exclude(lead="").count() >= 50
    assert Post.objects.exclude(quote="").count() >= 8
    # The fictional projects recur across posts: their pages merge several timelines.
    for slug in ("kubeforge", "emberdb", "harborlane-ci", "lantern"):
        entity = Entity.objects.get(slug=slug)
        involved = Post.objects.filter(entity_rows__entity=entity)
        assert involved.count() >= 2, slug
        response = client.get(entity.get_absolute_url())
        assert response.status_code == 200
        timeline = response.context["timeline"]
        assert {event.post_id for event in timeline} == set(involved.values_list("pk", flat=True))
        dates = [event.date for event in timeline if event.date]
        assert dates == sorted(dates), slug
    assert Entity.objects.get(slug="kubernetes").posts.count() >= 8


def test_every_demo_post_passes_the_submission_rules():
    call_command("load_demo")
    for post in Post.objects.prefetch_related(
        "tags", "key_facts", "timeline_events", "entity_rows__entity"
    ):
        content = PostContent.of(
            title=post.title,
            url=post.url,
            lead=post.lead,
            tags=post.tags.all(),
            tldr=post.tldr,
            body=post.body,
            quote=post.quote,
            quote_source=post.quote_source,
            quote_url=post.quote_url,
            key_facts=[KeyFactData(f.value, f.description) for f in post.key_facts.all()],
            timeline=[
                TimelineEventData(e.description, e.date, e.when) for e in post.timeline_events.all()
            ],
            entities=[
                EntityData(row.entity.name, row.role, row.entity.kind)
                for row in post.entity_rows.all()
            ],
        )
        validate_content(author=post.author, content=content)  # raises PostRejected


def test_demo_accounts_joined_before_their_first_post_and_none_is_new():
    call_command("load_demo")
    oldest = Post.objects.aggregate(oldest=Min("published_at"))["oldest"]
    users = User.objects.annotate(first_post=Min("posts__published_at"))
    new_since = timezone.now() - timedelta(days=settings.MODERATION_NEW_ACCOUNT_DAYS)
    assert users.count() > 6
    for user in users:
        assert user.date_joined < (user.first_post or oldest), user.username
        assert user.date_joined < new_since, user.username  # not marked "new account"
