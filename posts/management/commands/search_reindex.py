"""Recompute the full-text search document of every post (PostgreSQL)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from posts import search
from posts.services.search import post_search_reindex


class Command(BaseCommand):
    help = (
        "Fill Post.search_vector for every post, in batches (PostgreSQL). Run it once after "
        "upgrading to the release that adds search, after bulk loads that bypass the services "
        "(bench/datagen.py, raw SQL), and after changing how the document is built."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch-size", type=int, default=5000)

    def handle(self, *args: Any, **options: Any) -> None:
        if not search.is_postgres():
            self.stdout.write("SQLite has no search vector: search reads the text columns.")
            return
        count = post_search_reindex(batch_size=options["batch_size"])
        self.stdout.write(self.style.SUCCESS(f"Reindexed {count} posts."))
