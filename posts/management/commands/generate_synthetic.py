"""Generate a large synthetic data set for benchmarks: users, tags, channels, posts, votes.

Rows are written with bulk inserts in batches; scores are decided before the votes are written, so
every post's stored score and hotness match its vote rows without a recount afterwards.
"""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction
from django.utils import timezone
from tqdm import tqdm

from accounts.models import User
from posts.models import Channel, Post, Tag, Vote
from posts.ranking import hotness
from posts.services.core import short_id_generate
from posts.services.search import post_search_reindex

WORDS = [
    "kubernetes",
    "linux",
    "rust",
    "go",
    "python",
    "postgres",
    "redis",
    "kafka",
    "terraform",
    "ansible",
    "docker",
    "nginx",
    "grafana",
    "prometheus",
    "ebpf",
    "wasm",
    "llm",
    "gpu",
    "cache",
    "queue",
    "cluster",
    "kernel",
    "compiler",
    "runtime",
    "release",
    "outage",
    "latency",
    "scaling",
    "migration",
    "observability",
    "pipeline",
    "security",
    "patch",
    "benchmark",
    "storage",
    "network",
]


class Command(BaseCommand):
    help = "Bulk-insert synthetic users, tags, channels, posts and votes (for benchmarks)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--posts", type=int, default=10_000)
        parser.add_argument("--users", type=int, default=1_000)
        parser.add_argument("--votes", type=int, default=50_000, help="Approximate total.")
        parser.add_argument("--tags", type=int, default=500)
        parser.add_argument("--channels", type=int, default=50)
        parser.add_argument("--days", type=int, default=365, help="Spread posts over this span.")
        parser.add_argument("--batch", type=int, default=5_000)
        parser.add_argument("--seed", type=int, default=42)
        parser.add_argument("--quiet", action="store_true", help="No progress bars.")

    def handle(self, *args: Any, **opts: Any) -> None:
        rng = random.Random(opts["seed"])
        batch = opts["batch"]
        quiet = opts["quiet"]
        start_user = User.objects.count()
        password = make_password(None)  # unusable: synthetic accounts cannot log in
        with transaction.atomic():
            users = [
                User(
                    username=f"synth{start_user + i}",
                    email=f"synth{start_user + i}@synthetic.faun.localhost",
                    password=password,
                )
                for i in range(opts["users"])
            ]
            User.objects.bulk_create(users, batch_size=batch)
            tags = [
                Tag(slug=f"synth-{i}", name=f"Synthetic {i}")
                for i in range(Tag.objects.filter(slug__startswith="synth-").count(), opts["tags"])
            ]
            Tag.objects.bulk_create(tags, batch_size=batch)
            channels = [
                Channel(handle=f"synthchan{i}", name=f"Synthetic channel {i}")
                for i in range(
                    Channel.objects.filter(handle__startswith="synthchan").count(),
                    opts["channels"],
                )
            ]
            Channel.objects.bulk_create(channels, batch_size=batch)
        user_ids = list(User.objects.values_list("id", flat=True))
        tag_ids = list(Tag.objects.values_list("id", flat=True))
        channel_ids = list(Channel.objects.values_list("id", flat=True))
        mean_votes = opts["votes"] / max(opts["posts"], 1)
        now = timezone.now()
        through = Post.tags.through
        total = opts["posts"]
        made = 0
        with tqdm(total=total, desc="posts+votes", unit="post", disable=quiet) as bar:
            while made < total:
                size = min(batch, total - made)
                posts = []
                scores = []
                for _ in range(size):
                    published_at = now - timedelta(seconds=rng.uniform(0, opts["days"] * 86400))
                    # A long tail: most posts get a handful of votes, a few get hundreds.
                    score = min(
                        int(rng.expovariate(1 / mean_votes)) if mean_votes else 0, len(user_ids)
                    )
                    scores.append(score)
                    word = rng.choice(WORDS)
                    posts.append(
                        Post(
                            short_id=short_id_generate() + short_id_generate()[:2],
                            slug=f"{word}-news",
                            kind=Post.Kind.LINK,
                            title=f"{word.title()} {rng.choice(WORDS)} notes #{made + len(posts)}",
                            url=f"https://{word}.example/{made + len(posts)}",
                            normalized_url=f"https://{word}.example/{made + len(posts)}",
                            domain=f"{word}.example",
                            tldr=[f"A synthetic post about {word}."],
                            author_id=rng.choice(user_ids),
                            channel_id=rng.choice(channel_ids)
                            if channel_ids and rng.random() < 0.4
                            else None,
                            status=Post.Status.PUBLISHED,
                            published_at=published_at,
                            score=score,
                            hotness=hotness(score=score, published_at=published_at),
                        )
                    )
                with transaction.atomic():
                    Post.objects.bulk_create(posts, batch_size=batch)
                    if tag_ids:
                        through.objects.bulk_create(
                            [
                                through(post_id=post.pk, tag_id=tag_id)
                                for post in posts
                                for tag_id in rng.sample(
                                    tag_ids, min(len(tag_ids), rng.randint(1, 3))
                                )
                            ],
                            batch_size=batch,
                        )
                    votes = [
                        Vote(user_id=user_id, post_id=post.pk)
                        for post, score in zip(posts, scores, strict=True)
                        for user_id in rng.sample(user_ids, score)
                    ]
                    Vote.objects.bulk_create(votes, batch_size=batch)
                    # Bulk inserts bypass post_create: write the search documents here.
                    post_search_reindex(
                        queryset=Post.objects.filter(pk__in=[post.pk for post in posts]),
                        batch_size=batch,
                    )
                made += size
                bar.update(size)
        self.stdout.write(self.style.SUCCESS(f"Created {total} posts."))
