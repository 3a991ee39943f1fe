"""Load the demo discussions (discussion/demo/comments.json) once, after posts' load_demo."""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from core.markdown import render_markdown
from discussion.models import Comment, CommentVote
from discussion.ranking import comment_points, confidence
from posts.models import Post
from posts.services.discussion import post_discussion_update

DEMO_FILE = Path(__file__).resolve().parents[2] / "demo" / "comments.json"
JOINED_BEFORE = timedelta(days=30)  # as posts' load_demo: no demo commenter "joined today"


class Command(BaseCommand):
    help = "Load the demo discussions, only when there are demo posts and no comments yet."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--file", default=str(DEMO_FILE), help="Demo JSON file.")

    def handle(self, *args: Any, **options: Any) -> None:
        if Comment.objects.exists():
            self.stdout.write("Comments already exist: demo discussions not loaded.")
            return
        data = json.loads(Path(options["file"]).read_text(encoding="utf-8"))
        with transaction.atomic():
            count = load(data)
        self.stdout.write(self.style.SUCCESS(f"Loaded {count} demo comments."))


def load(data: dict[str, Any]) -> int:
    """Write the demo threads with times after their post's publication, and votes from demo
    readers; the posts' stored counters and hotness follow. Demo text is trusted, so rows are
    written directly rather than through the services' rate limits."""
    users = {user.username: user for user in User.objects.all()}
    readers = [user for name, user in sorted(users.items()) if name.startswith("reader")]
    count = 0
    firsts: dict[int, datetime] = {}  # each commenter's first comment
    for thread in data["threads"]:
        post = Post.objects.filter(title=thread["post"]).first()
        if post is None:
            continue
        written = list(_write(thread["comments"], post=post, parent=None, users=users))
        for comment, votes in written:
            voters = [reader for reader in readers if reader.pk != comment.author_id][:votes]
            CommentVote.objects.bulk_create(
                CommentVote(user=voter, comment=comment) for voter in voters
            )
            comment.score = len(voters)
            comment.confidence = confidence(ups=comment.score)
            comment.save(update_fields=["score", "confidence"])
        comments = [comment for comment, _ in written]
        post_discussion_update(
            post_id=post.pk,
            count_delta=len(comments),
            points_delta=sum(
                comment_points(score=c.score) for c in comments if c.author_id != post.author_id
            ),
            commented_at=max(c.created_at for c in comments),
        )
        count += len(comments)
        for c in comments:
            if c.author_id is not None:
                firsts[c.author_id] = min(c.created_at, firsts.get(c.author_id, c.created_at))
    _backdate_joins(firsts)
    return count


def _backdate_joins(firsts: dict[int, datetime]) -> None:
    """Every commenter joined before their first demo comment (load_demo already puts demo
    accounts well before the posts; this holds for a database it filled before it did)."""
    for user_id, first in firsts.items():
        User.objects.filter(pk=user_id, date_joined__gt=first - JOINED_BEFORE).update(
            date_joined=first - JOINED_BEFORE
        )


def _write(
    specs: Iterable[dict[str, Any]], *, post: Post, parent: Comment | None, users: dict[str, User]
) -> Iterable[tuple[Comment, int]]:
    for spec in specs:
        comment = Comment.objects.create(
            short_id=secrets.token_hex(4)[:7],
            post=post,
            author=users[spec["author"]],
            parent=parent,
            depth=parent.depth + 1 if parent is not None else 0,
            body=spec["body"],
            body_html=render_markdown(spec["body"]),
            created_at=min(
                (post.published_at or post.created_at) + timedelta(hours=spec["hours"]),
                timezone.now() - timedelta(minutes=1),
            ),
        )
        yield comment, spec.get("votes", 0)
        yield from _write(spec.get("replies", []), post=post, parent=comment, users=users)
