"""Recompute every link post's normalized URL and domain after the rules in posts/urlnorm.py
change, so duplicate detection keeps matching old posts."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from posts.services.core import post_urls_renormalize


class Command(BaseCommand):
    help = "Re-normalize stored post URLs with the current rules (batched; prints counts)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--batch-size", type=int, default=1000, help="Posts per transaction (default 1000)."
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Count what would change; write nothing."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["batch_size"] < 1:
            self.stderr.write("--batch-size must be at least 1.")
            raise SystemExit(2)
        counts = post_urls_renormalize(batch_size=options["batch_size"], dry_run=options["dry_run"])
        verb = "would change" if options["dry_run"] else "changed"
        self.stdout.write(
            f"Checked {counts.checked} link posts: {counts.changed} {verb}, "
            f"{counts.unchanged} unchanged, {len(counts.invalid)} invalid."
        )
        if counts.invalid:
            ids = ", ".join(str(pk) for pk in counts.invalid[:50])
            more = " ..." if len(counts.invalid) > 50 else ""
            self.stdout.write(
                f"Left as they were (their URL fails the current rules): post ids {ids}{more}"
            )
