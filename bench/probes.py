"""SQL-level before/after probes on a benchmark database: each compares one change of
docs/performance.md with the way it was, in one run on the same data.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/faun_bench .venv/bin/python bench/probes.py

- search: the relevance query for the common word with the rank window (POST_SEARCH_RANK_WINDOW)
  and without it, with PostgreSQL's JIT off (faun's default) and on;
- My feed: the quiet reader's (benchquiet, one author) and the reader's (synth1, a tag, a channel
  and an author) feed queries under the sparse and the dense plan;
- votes: WAL bytes and time per vote through the service, with the posts table as it is and with
  the eight indexes migration posts/0013 dropped put back for the measurement.

Run bench/run.py on the database first (it creates the readers). Prints a Markdown table."""

from __future__ import annotations

import os
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "faun.settings")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from accounts.models import User  # noqa: E402
from bench import fixtures  # noqa: E402
from posts.models import Post  # noqa: E402
from posts.search import parse_query  # noqa: E402
from posts.selectors import discovery  # noqa: E402
from posts.services.voting import vote_cast, vote_remove  # noqa: E402

REPEAT = 7
# What migration posts/0013 dropped, as PostgreSQL had them.
DROPPED_INDEXES = [
    "CREATE INDEX probe_slug ON posts_post (slug)",
    "CREATE INDEX probe_slug_like ON posts_post (slug varchar_pattern_ops)",
    "CREATE INDEX probe_short_id_like ON posts_post (short_id varchar_pattern_ops)",
    "CREATE INDEX probe_normalized_url_like ON posts_post (normalized_url varchar_pattern_ops)",
    "CREATE INDEX probe_domain ON posts_post (domain)",
    "CREATE INDEX probe_domain_like ON posts_post (domain varchar_pattern_ops)",
    "CREATE INDEX probe_author ON posts_post (author_id)",
    "CREATE INDEX probe_channel ON posts_post (channel_id)",
]


def execution_ms(sql: str, params: tuple | list | None = None) -> float:
    """Median EXPLAIN ANALYZE execution time of `sql`, warm."""
    times = []
    with connection.cursor() as cursor:
        for attempt in range(REPEAT + 1):
            cursor.execute(f"EXPLAIN (ANALYZE) {sql}", params)
            text = "\n".join(row[0] for row in cursor.fetchall())
            line = next(row for row in text.splitlines() if row.startswith("Execution Time"))
            if attempt:  # the first one warms the buffers
                times.append(float(line.split()[2]))
    return statistics.median(times)


def captured(call: Callable[[], object], marker: str) -> tuple[str, tuple]:
    """The SQL and parameters of the query `call` runs that contains `marker`."""
    with CaptureQueriesContext(connection) as ctx:
        call()
    sql = [q["sql"] for q in ctx.captured_queries if marker in q["sql"]][-1]
    return sql, ()


@contextmanager
def jit(on: bool) -> Iterator[None]:
    with connection.cursor() as cursor:
        cursor.execute(f"SET jit = {'on' if on else 'off'}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SET jit = off")


def search_rows() -> list[tuple[str, float]]:
    query = parse_query("kubernetes")
    rows = []
    for window, label in ((settings.POST_SEARCH_RANK_WINDOW, "window"), (10**9, "every match")):
        settings.POST_SEARCH_RANK_WINDOW = window
        sql, _ = captured(
            lambda: discovery.post_search(viewer=None, query=query, page_size=25), "@@"
        )
        for on in (False, True):
            with jit(on):
                rows.append(
                    (
                        f"search `kubernetes` by relevance, {label}, JIT {'on' if on else 'off'}",
                        execution_ms(sql),
                    )
                )
    settings.POST_SEARCH_RANK_WINDOW = 1000
    return rows


def my_feed_rows() -> list[tuple[str, float]]:
    rows = []
    default_limit = discovery.FOLLOWED_SPARSE_LIMIT
    fixtures.quiet_reader()  # the bench's own helper: creates the reader on a new database
    for username, who in (("benchquiet", "one quiet author"), ("synth1", "tag, channel, author")):
        reader = User.objects.filter(username=username).first()
        if reader is None:
            continue
        for limit, plan in ((discovery.FOLLOWED_SPARSE_LIMIT, "as chosen"), (0, "dense")):
            discovery.FOLLOWED_SPARSE_LIMIT = limit
            started = time.perf_counter()
            sql, _ = captured(
                lambda reader=reader: discovery.feed_followed(viewer=reader, page_size=25),
                "LIMIT 26",
            )
            decide = (time.perf_counter() - started) * 1000
            rows.append((f"My feed, {who}, plan {plan}", execution_ms(sql)))
            if plan == "as chosen":
                rows.append((f"My feed, {who}: deciding and fetching, in process", decide))
        discovery.FOLLOWED_SPARSE_LIMIT = default_limit
    return rows


def votes(n: int = 200) -> tuple[float, float]:
    """WAL bytes and milliseconds per vote for `n` votes on the newest posts (undone after)."""
    voter, _ = User.objects.get_or_create(
        username="benchprobe",
        defaults={"email": "benchprobe@synthetic.faun.localhost", "is_active": True},
    )
    User.objects.filter(pk=voter.pk).update(email_verified_at=django.utils.timezone.now())
    voter.refresh_from_db()
    posts = list(
        Post.objects.filter(status=Post.Status.PUBLISHED)
        .exclude(author=voter)
        .order_by("-id")
        .only("id", "author_id", "status")[:n]
    )
    with connection.cursor() as cursor:
        # The first change to a page after a checkpoint writes the whole page to the WAL: start
        # both measurements right after one, so neither rides on the other's page images.
        cursor.execute("CHECKPOINT")
        cursor.execute("SELECT pg_current_wal_lsn()")
        (start,) = cursor.fetchone()
        started = time.perf_counter()
        for post in posts:
            vote_cast(user=voter, post=post)
        elapsed = time.perf_counter() - started
        cursor.execute("SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), %s)", [start])
        (wal,) = cursor.fetchone()
    for post in posts:
        vote_remove(user=voter, post=post)
    return float(wal) / len(posts), elapsed * 1000 / len(posts)


def vote_rows() -> list[tuple[str, float]]:
    rows = []
    wal, ms = votes()
    rows += [("vote: WAL bytes, indexes as now", wal), ("vote: ms in process, as now", ms)]
    with transaction.atomic(), connection.cursor() as cursor:
        for statement in DROPPED_INDEXES:
            cursor.execute(statement)
    try:
        wal, ms = votes()
        rows += [
            ("vote: WAL bytes, with the 8 dropped indexes", wal),
            ("vote: ms in process, with the 8 dropped indexes", ms),
        ]
    finally:
        with connection.cursor() as cursor:
            for statement in DROPPED_INDEXES:
                cursor.execute(f"DROP INDEX IF EXISTS {statement.split()[2]}")
    return rows


def main() -> None:
    posts = Post.objects.count()
    print(f"{posts:,} posts, database {connection.settings_dict['NAME']}\n")
    print("| probe | value |\n|---|---:|")
    for name, value in [*search_rows(), *my_feed_rows(), *vote_rows()]:
        print(f"| {name} | {value:,.2f} |")


if __name__ == "__main__":
    main()
