"""The demo set loads once into an empty database; the synthetic generator keeps scores honest."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db.models import Count

from posts.models import KeyFact, Post, TimelineEvent, Vote

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
