"""Load the demo data set (posts/demo/demo.json) into an empty database."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction
from django.db.models import Min
from django.utils import timezone

from accounts.models import User
from posts.models import Channel, ChannelMembership, Post, Tag, Vote
from posts.ranking import hotness
from posts.services.content import EntityData, KeyFactData, PostContent, TimelineEventData
from posts.services.core import post_create

DEMO_FILE = Path(__file__).resolve().parents[2] / "demo" / "demo.json"
READERS = 60  # accounts that cast the demo votes
# Demo accounts joined this long before their first post (readers, before the oldest post), a
# week apart from one another: profiles do not say "joined today" above month-old posts, and no
# demo account counts as new (MODERATION_NEW_ACCOUNT_DAYS).
JOINED_BEFORE = timedelta(days=30)


class Command(BaseCommand):
    help = "Load the demo channels, tags, users and posts, only when the database has no posts."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--file", default=str(DEMO_FILE), help="Demo JSON file.")

    def handle(self, *args: Any, **options: Any) -> None:
        if Post.objects.exists():
            self.stdout.write("Posts already exist: demo data not loaded.")
            return
        data = json.loads(Path(options["file"]).read_text(encoding="utf-8"))
        with transaction.atomic():
            count = load(data)
        self.stdout.write(self.style.SUCCESS(f"Loaded {count} demo posts."))


def _user(username: str, **fields: Any) -> User:
    user, created = User.objects.get_or_create(
        username=username,
        defaults={"email": f"{username}@demo.faun.localhost", **fields},
    )
    if created:
        user.set_unusable_password()
        user.email_verified_at = timezone.now()
        user.save(update_fields=["password", "email_verified_at"])
    return user


def load(data: dict[str, Any]) -> int:
    """Create everything in `data`; returns the number of posts created."""
    users = {u["username"]: _user(**u) for u in data["users"]}
    readers = [_user(f"reader{i:02d}", display_name=f"Reader {i}") for i in range(1, READERS + 1)]
    tags = {
        t["slug"]: Tag.objects.get_or_create(slug=t["slug"], defaults=t)[0] for t in data["tags"]
    }
    channels = {}
    for item in data["channels"]:
        members = item.pop("members")
        channel, _ = Channel.objects.get_or_create(handle=item["handle"], defaults=item)
        for index, username in enumerate(members):
            ChannelMembership.objects.get_or_create(
                channel=channel,
                user=users[username],
                defaults={"role": "owner" if index == 0 else "member"},
            )
        channels[channel.handle] = channel
    now = timezone.now()
    for item in data["posts"]:
        published_at = now - timedelta(days=item["days_ago"])
        quote = item.get("quote") or {}
        content = PostContent.of(
            channel=channels.get(item["channel"] or ""),
            title=item["title"],
            url=item["url"] if item["kind"] == "link" else "",
            tags=[tags[slug] for slug in item["tags"]],
            lead=item.get("lead", ""),
            tldr=item["tldr"],
            body=item["body"],
            quote=quote.get("text", ""),
            quote_source=quote.get("source", ""),
            quote_url=quote.get("url", ""),
            key_facts=[KeyFactData(**fact) for fact in item["key_facts"]],
            timeline=[
                TimelineEventData(
                    description=event["description"],
                    date=date.fromisoformat(event["date"]) if event["date"] else None,
                    when=event["when"],
                )
                for event in item["timeline"]
            ],
            # Entities are matched by name: the same project in several posts is one entity,
            # whose page merges their timelines.
            entities=[EntityData(**entity) for entity in item.get("entities", [])],
        )
        post = post_create(author=users[item["author"]], content=content, published_at=published_at)
        voters = readers[: item["votes"]]
        Vote.objects.bulk_create(Vote(user=reader, post=post) for reader in voters)
        # Votes go in as a batch; score and hotness are set from them once, as vote_cast would.
        post.score = len(voters)
        post.hotness = hotness(score=post.score, published_at=post.published_at)
        post.save(update_fields=["score", "hotness"])
    _backdate_joins([*users.values(), *readers])
    return len(data["posts"])


def _backdate_joins(accounts: list[User]) -> None:
    """Each account joined before its first post, readers (who vote and comment on any post)
    before the oldest one. A join date only ever moves back."""
    firsts = dict(
        Post.objects.filter(author__in=accounts)
        .values("author")
        .annotate(first=Min("published_at"))
        .values_list("author", "first")
    )
    oldest = min(firsts.values(), default=timezone.now())
    changed = []
    for index, user in enumerate(accounts):
        joined = firsts.get(user.pk, oldest) - JOINED_BEFORE - timedelta(days=7 * index)
        if joined < user.date_joined:
            user.date_joined = joined
            changed.append(user)
    User.objects.bulk_update(changed, ["date_joined"])
