"""In-process measurements against the benchmark database: SQL query counts per page at several
page sizes (Django's test Client and CaptureQueriesContext, the same middleware as production),
the feed queries' plans (EXPLAIN (ANALYZE, BUFFERS)) and their execution time on another database,
a page's time and SQL time per request (search, the quiet reader's My feed), and the WAL written
during a write scenario.

Runs inside run.py's process, after Django is set up on the benchmark database.
"""

from __future__ import annotations

import re
import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import psycopg
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext

from accounts.models import User
from bench.fixtures import READER, Targets, quiet_reader, session_for
from posts.models import Vote
from posts.selectors.directory import tag_get
from posts.selectors.feeds import feed_list

PAGE_SIZES = (10, 25, 100)
INDEX_SCAN = re.compile(r"Index (?:Only )?Scan (?:Backward )?using (\w+) on (\w+)")
SEQ_SCAN = re.compile(r"Seq Scan on (\w+)")
EXECUTION = re.compile(r"Execution Time: ([\d.]+) ms")


@dataclass
class PageQueries:
    name: str
    url: str
    counts: dict[int, int]  # page size -> queries; one entry (size 0) for unpaginated pages
    statuses: set[int] = field(default_factory=set)

    @property
    def paginated(self) -> bool:
        return 0 not in self.counts

    @property
    def constant(self) -> bool:
        return len(set(self.counts.values())) == 1 and self.statuses <= {200}


def _with(url: str, param: str, size: int) -> str:
    return f"{url}{'&' if '?' in url else '?'}{param}={size}"


def query_counts(targets: Targets) -> list[PageQueries]:
    # Count what the views cost, not what the anonymous page cache saves.
    with override_settings(ANONYMOUS_CACHE_SECONDS=0):
        return _query_counts(targets)


def _query_counts(targets: Targets) -> list[PageQueries]:
    """Queries per request for every feed page and API list at page sizes 10, 25 and 100, and for
    the unpaginated pages (post page, RSS) once."""
    anonymous = Client()
    reader = Client()
    reader.cookies[settings.SESSION_COOKIE_NAME] = targets.session_key
    deep = f"/newest/?after={targets.newest_cursor}" if targets.newest_cursor else "/newest/"
    paged: list[tuple[str, str, str, Client]] = [
        ("home", "/", "per_page", anonymous),
        ("home (logged in)", "/", "per_page", reader),
        ("newest", "/newest/", "per_page", anonymous),
        (f"newest page {targets.deep_page}", deep, "per_page", anonymous),
        ("top (week)", "/top/week/", "per_page", anonymous),
        (f"tag #{targets.tag_slug}", f"/t/{targets.tag_slug}/", "per_page", anonymous),
        (f"tag #{targets.tag_slug} (logged in)", f"/t/{targets.tag_slug}/", "per_page", reader),
        (
            f"channel @{targets.channel_handle}",
            f"/@{targets.channel_handle}/",
            "per_page",
            anonymous,
        ),
        (
            f"user {targets.author_username}",
            f"/u/{targets.author_username}/",
            "per_page",
            anonymous,
        ),
        ("API posts", "/api/v1/posts/", "page_size", anonymous),
        ("API posts (newest)", "/api/v1/posts/?order=newest", "page_size", anonymous),
        ("API posts (logged in)", "/api/v1/posts/", "page_size", reader),
    ]
    single: list[tuple[str, str, Client]] = [
        ("post page", targets.post_url, anonymous),
        ("post page (logged in)", targets.post_url, reader),
        ("RSS home", "/feeds/home.rss", anonymous),
        ("Atom home", "/feeds/home.atom", anonymous),
        ("JSON Feed home", "/feeds/home.json", anonymous),
        ("RSS tag", f"/feeds/t/{targets.tag_slug}.rss", anonymous),
    ]
    if targets.thread_url:
        thread = f"post page, {targets.thread_comments} comments"
        single += [
            (thread, targets.thread_url, anonymous),
            (f"{thread} (logged in)", targets.thread_url, reader),
        ]
    results = []
    for name, url, param, client in paged:
        page = PageQueries(name, url, {})
        for size in PAGE_SIZES:
            page.counts[size], status = _count(client, _with(url, param, size))
            page.statuses.add(status)
        results.append(page)
    for name, url, client in single:
        page = PageQueries(name, url, {})
        page.counts[0], status = _count(client, url)
        page.statuses.add(status)
        results.append(page)
    return results


def _count(client: Client, url: str) -> tuple[int, int]:
    client.get(url)  # warm: first requests load templates and fill per-process caches
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    return len(ctx.captured_queries), response.status_code


@dataclass
class Plan:
    name: str
    sql: str
    text: str

    @property
    def indexes(self) -> list[str]:
        return sorted({f"{index} ({table})" for index, table in INDEX_SCAN.findall(self.text)})

    @property
    def seq_scans(self) -> list[str]:
        return sorted(set(SEQ_SCAN.findall(self.text)))

    @property
    def execution_ms(self) -> float:
        match = EXECUTION.search(self.text)
        return float(match.group(1)) if match else float("nan")

    @property
    def sorts_all_posts(self) -> bool:
        return "posts_post" in self.seq_scans


def _feed_sql(**kwargs: Any) -> str:
    """The SQL of the posts query of one feed page (the first query; tags are prefetched after)."""
    with CaptureQueriesContext(connection) as ctx:
        feed_list(page_size=25, **kwargs)
    for query in ctx.captured_queries:
        if 'FROM "posts_post"' in query["sql"]:
            return query["sql"]
    raise RuntimeError(f"no posts query for {kwargs}")


def feed_queries(targets: Targets) -> dict[str, str]:
    """Name -> SQL of the posts query behind each feed page."""
    anonymous = AnonymousUser()
    reader = User.objects.get(username=READER)
    tag = tag_get(slug=targets.tag_slug)
    median = tag_get(slug=targets.median_tag_slug)
    return {
        "hot (home)": _feed_sql(viewer=anonymous, order="hot"),
        "hot (home, logged in)": _feed_sql(viewer=reader, order="hot"),
        "newest page 1": _feed_sql(viewer=anonymous, order="newest"),
        f"newest page {targets.deep_page}": _feed_sql(
            viewer=anonymous, order="newest", after=targets.newest_cursor
        ),
        f"tag #{tag.slug} (hot)": _feed_sql(viewer=anonymous, order="hot", tag=tag),
        f"tag #{median.slug} (hot, the median tag)": _feed_sql(
            viewer=anonymous, order="hot", tag=median
        ),
        "top week": _feed_sql(viewer=anonymous, order="top", period="week"),
    }


def explain(queries: dict[str, str]) -> list[Plan]:
    plans = []
    with connection.cursor() as cursor:
        for name, sql in queries.items():
            cursor.execute(f"EXPLAIN (ANALYZE) {sql}")  # warm the buffers first
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")
            plans.append(Plan(name, sql, "\n".join(row[0] for row in cursor.fetchall())))
    return plans


def sql_time_ms(database_url: str, sql: str, repeat: int = 7) -> float:
    """Median EXPLAIN ANALYZE execution time of `sql` on another database (warm cache)."""
    times = []
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(f"EXPLAIN (ANALYZE) {sql}")
        for _ in range(repeat):
            text = "\n".join(row[0] for row in conn.execute(f"EXPLAIN (ANALYZE) {sql}"))
            match = EXECUTION.search(text)
            if match:
                times.append(float(match.group(1)))
    return statistics.median(times) if times else float("nan")


@contextmanager
def _sql_seconds() -> Iterator[list[float]]:
    """The seconds each SQL statement run in the block took, from the call to its rows (psycopg
    fetches a result whole), with a precision CaptureQueriesContext's milliseconds lack."""
    seconds: list[float] = []

    def timed(execute: Callable[..., Any], *args: Any) -> Any:
        started = time.perf_counter()
        try:
            return execute(*args)
        finally:
            seconds.append(time.perf_counter() - started)

    with connection.execute_wrapper(timed):
        yield seconds


def page_timing(client: Client, url: str, repeat: int) -> dict[str, Any]:
    """Request `url` `repeat` times after one warm-up request: the median and 99th percentile
    time per request, and the median SQL time per request, in milliseconds (one process, no
    network)."""
    client.get(url)
    totals, sql = [], []
    status = 200
    for _ in range(repeat):
        with _sql_seconds() as seconds:
            started = time.perf_counter()
            response = client.get(url)
            totals.append((time.perf_counter() - started) * 1000)
        sql.append(sum(seconds) * 1000)
        status = response.status_code if response.status_code != 200 else status
    return {
        "url": url,
        "repeat": repeat,
        "status": status,
        "p50_ms": statistics.median(totals),
        "p99_ms": statistics.quantiles(totals, n=100, method="inclusive")[98],
        "sql_ms": statistics.median(sql),
    }


def search_timing(targets: Targets, repeat: int = 20) -> dict[str, Any]:
    """The search scenario's page for an anonymous visitor, rendered by the view every time (the
    page cache off): its database time per search."""
    with override_settings(ANONYMOUS_CACHE_SECONDS=0):
        return page_timing(Client(), f"/search?q={targets.search_word}", repeat)


def quiet_feed_timing(repeat: int = 30) -> dict[str, Any]:
    """The quiet reader's My feed (bench/quiet_feed.py runs this on each database)."""
    client = Client()
    client.cookies[settings.SESSION_COOKIE_NAME] = session_for(quiet_reader())
    return page_timing(client, "/my/", repeat)


@contextmanager
def writes(username: str) -> Iterator[dict[str, int]]:
    """The WAL bytes PostgreSQL wrote during the block (the whole server's: other databases'
    writes count too) and the votes `username` gained, filled in when the block ends."""
    written: dict[str, int] = {}
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_lsn()")
        (start,) = cursor.fetchone()
    votes = Vote.objects.filter(user__username=username).count()
    yield written
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), %s)", [start])
        (wal,) = cursor.fetchone()
    written["wal_bytes"] = int(wal)
    written["new_votes"] = Vote.objects.filter(user__username=username).count() - votes
