"""`make run` loads demo discussions once, after the demo posts: "Ask:" posts have answers."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.utils import timezone

from accounts.models import User
from discussion.models import Comment
from posts.models import Post

pytestmark = pytest.mark.django_db


def test_demo_discussions_load_once_with_consistent_counters(client):
    call_command("load_demo")
    call_command("load_demo_comments")
    count = Comment.objects.count()
    assert count >= 20
    assert Comment.objects.filter(parent__isnull=False).exists()
    assert not Comment.objects.filter(created_at__gt=timezone.now()).exists()
    for post in Post.objects.filter(comments__isnull=False).distinct():
        assert post.comment_count == post.comments.count()
        assert post.last_commented_at == max(c.created_at for c in post.comments.all())
    call_command("load_demo_comments")  # a second run adds nothing
    assert Comment.objects.count() == count
    ask = Post.objects.get(title__startswith="Ask: How do you keep infrastructure-as-code")
    page = client.get(ask.get_absolute_url()).content.decode()
    assert "One state file per team" in page
    assert "Active" in client.get("/active/").content.decode()


def test_demo_commenters_joined_before_their_first_comment():
    call_command("load_demo")
    call_command("load_demo_comments")
    for comment in Comment.objects.select_related("author"):
        assert comment.author.date_joined < comment.created_at, comment.author.username


def test_demo_commenters_of_an_older_demo_database_are_backdated_too():
    call_command("load_demo")
    User.objects.update(date_joined=timezone.now())  # as load_demo left them before
    call_command("load_demo_comments")
    for comment in Comment.objects.select_related("author"):
        assert comment.author.date_joined < comment.created_at, comment.author.username
