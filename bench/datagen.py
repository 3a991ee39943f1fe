"""Benchmark-sized synthetic data, loaded with PostgreSQL COPY (psycopg 3 `cursor.copy()`).

`manage.py generate_synthetic` builds model instances and bulk-inserts them: right for tests and a
few thousand rows, far too slow for a million posts and five million votes. Here rows are written
as COPY text straight from Python tuples, and the big tables (posts, their tags, votes) are loaded
without their secondary indexes, unique and foreign-key constraints, which are rebuilt in one pass
each afterwards (a sorted index build instead of millions of random B-tree inserts, one join to
validate each foreign key instead of a trigger per row). Primary keys and CHECK constraints stay in
place during the load, so every row still passes the model's rules.

The data keeps the invariants the site relies on: every post's stored `score` equals its vote rows,
its `comment_count` its published comments, its `comment_points` what discussion/ranking.py counts
for them and its `hotness` is `posts.ranking.hotness(score, published_at, comment_points)`; every
comment's `score` equals its vote rows. Ids grow with publication time, as they do on the live site.
Tag popularity is Zipf-like (a few huge tags, a long tail of small ones); comments per post are
log-normal and grow with the post's score (most posts none or a few, a long tail of big threads),
each thread a tree of replies (docs/performance.md#comments). One post a week old gets exactly
THREAD_SIZE comments, with votes of the benchmark's reader on some of them: the thread scenario.

Columns this module does not know about (added by a later migration) get the model field's default,
so a new nullable or defaulted field never breaks the generator.
"""

from __future__ import annotations

import bisect
import json
import math
import random
import time
from array import array
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from django.contrib.auth.hashers import make_password
from django.core.management.color import no_style
from django.db import connection, models
from django.db.models import Count, Max, Sum
from django.utils import timezone
from tqdm import tqdm

from accounts.models import User
from core.markdown import render_markdown
from discussion.models import MAX_DEPTH, Comment, CommentVote
from discussion.ranking import comment_points, confidence
from posts.management.commands.generate_synthetic import WORDS
from posts.models import Channel, ChannelMembership, Post, Tag, Vote
from posts.ranking import hotness

# Short ids: a bijection of the post id onto 6 base-36 characters (the site's own format), so
# they are unique without a lookup and do not reveal the insertion order at a glance.
SHORT_ID_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789"
SHORT_ID_MULTIPLIER = 1_299_709  # a prime, coprime with 36, so id -> id * m mod 36^6 is 1:1
COMMENT_SHORT_ID_LENGTH = 7  # the site's comment ids (discussion/services/comments.py)
CHUNK_ROWS = 20_000
BIG_TABLES = (
    Post._meta.db_table,
    Post.tags.through._meta.db_table,
    Vote._meta.db_table,
    Comment._meta.db_table,
    CommentVote._meta.db_table,
)
# The thread scenario's post: exactly this many comments, all published, on a post about a week
# old (so it is not also the hottest post), the reader (user 1) having upvoted every
# THREAD_READER_VOTE_EVERY-th comment that is not theirs.
THREAD_SIZE = 500
THREAD_AGE_DAYS = (2, 7)
THREAD_READER_VOTE_EVERY = 8
READER_ID = 1  # synth1, bench/fixtures.py's logged-in reader
# Comments: how big a thread grows (log-normal spread, capped), how many start a new branch, how
# many answer the comment just before (a back-and-forth), how many are gone, how long after the
# post they come, and upvotes (the whole part of an exponential of this mean: 0.58 on average
# for 1.0, most comments none or one, a few dozens).
COMMENT_SPREAD = 1.5
COMMENT_CAP = 3_000
COMMENT_TOP_LEVEL = 0.3
COMMENT_ANSWERS_PREVIOUS = 0.5
COMMENT_DELETED = 0.02
COMMENT_REMOVED = 0.005
COMMENT_DELAY_MEAN = 6 * 3600  # seconds
COMMENT_VOTES_MEAN = 1.0
THREAD_VOTES_MEAN = 3.0
COMMENT_BODIES = 512


@dataclass(frozen=True)
class Sizes:
    posts: int
    users: int
    votes: int
    tags: int
    channels: int
    comments: int = 0
    days: int = 365
    seed: int = 42


@dataclass
class Timings:
    steps: dict[str, float] = field(default_factory=dict)

    # The post given exactly THREAD_SIZE comments (None when there are fewer comments).
    thread_post_id: int | None = None

    @contextmanager
    def timed(self, name: str) -> Iterator[None]:
        started = time.perf_counter()
        yield
        self.steps[name] = time.perf_counter() - started

    @property
    def total(self) -> float:
        return sum(self.steps.values())


# Two base-36 digits at a time, least significant first: half the divisions per id.
_DIGIT_PAIRS = [a + b for b in SHORT_ID_ALPHABET for a in SHORT_ID_ALPHABET]


def short_id_for(pk: int, length: int = 6) -> str:
    """A bijection of `pk` onto `length` base-36 characters (while pk < 36**length)."""
    n = (pk * SHORT_ID_MULTIPLIER) % 36**length
    parts = []
    for _ in range(length // 2):
        n, pair = divmod(n, 1296)
        parts.append(_DIGIT_PAIRS[pair])
    if length % 2:
        parts.append(SHORT_ID_ALPHABET[n])
    return "".join(parts)


def copy_text(value: Any) -> str:
    """One value in COPY's text format."""
    if value is None:
        return r"\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, list | dict):
        value = json.dumps(value)
    text = str(value)
    if any(ch in text for ch in "\\\t\n\r"):
        text = (
            text.replace("\\", "\\\\")
            .replace("\t", "\\t")
            .replace("\n", "\\n")
            .replace("\r", "\\r")
        )
    return text


def _table_columns(table: str) -> list[tuple[str, bool, bool]]:
    """(name, nullable, has a database default or identity) for each column, in table order."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT column_name, is_nullable = 'YES',
                   column_default IS NOT NULL OR is_identity = 'YES'
            FROM information_schema.columns
            WHERE table_schema = current_schema() AND table_name = %s
            ORDER BY ordinal_position
            """,
            [table],
        )
        return [(name, nullable, has_default) for name, nullable, has_default in cursor.fetchall()]


def _field_default(model: type[models.Model], column: str, now: datetime) -> tuple[bool, str]:
    """(needed, COPY text) for a column the generator does not fill itself."""
    for fld in model._meta.concrete_fields:
        if fld.column != column:
            continue
        if getattr(fld, "auto_now", False) or getattr(fld, "auto_now_add", False):
            return True, copy_text(now)
        if fld.has_default():
            value = fld.get_default()
        elif fld.null:
            return False, ""
        elif fld.empty_strings_allowed:
            value = ""
        else:
            raise RuntimeError(f"{model.__name__}.{fld.name} has no default; teach bench/datagen.")
        if isinstance(fld, models.JSONField):
            return True, copy_text(json.dumps(value))
        return True, copy_text(fld.get_db_prep_save(value, connection))
    return False, ""


class Loader:
    """COPYs rows into one table: the caller supplies some columns, model defaults fill the rest."""

    def __init__(self, model: type[models.Model], columns: list[str], now: datetime) -> None:
        self.table = model._meta.db_table
        known = set(columns)
        extra_names, extra_values = [], []
        for name, nullable, has_default in _table_columns(self.table):
            if name in known:
                continue
            needed, text = _field_default(model, name, now)
            if needed:
                extra_names.append(name)
                extra_values.append(text)
            elif not (nullable or has_default):
                raise RuntimeError(f"{self.table}.{name} needs a value; teach bench/datagen.")
        self.columns = [*columns, *extra_names]
        self.suffix = "".join(f"\t{value}" for value in extra_values) + "\n"

    def load(self, rows: Iterable[tuple[Any, ...]], bar: tqdm | None = None) -> int:
        """COPY `rows` (tuples of already COPY-safe values, in `columns` order); returns the count.

        Values are plain numbers and strings this module built without tabs or backslashes, so a
        row is joined as is; anything else goes through copy_text first.
        """
        count = 0
        columns = ", ".join(f'"{column}"' for column in self.columns)
        sql = f'COPY "{self.table}" ({columns}) FROM STDIN'
        suffix = self.suffix
        with connection.cursor() as cursor, cursor.copy(sql) as copy:
            buffer: list[str] = []
            for row in rows:
                buffer.append("\t".join(row) + suffix)
                if len(buffer) >= CHUNK_ROWS:
                    copy.write("".join(buffer))
                    count += len(buffer)
                    if bar is not None:
                        bar.update(len(buffer))
                    buffer.clear()
            if buffer:
                copy.write("".join(buffer))
                count += len(buffer)
                if bar is not None:
                    bar.update(len(buffer))
        return count


def _drop_secondary_structures(tables: Iterable[str]) -> list[str]:
    """Drop unique/foreign-key constraints and plain indexes of `tables` (primary keys and CHECK
    constraints stay); return the statements that rebuild them, indexes first."""
    names = list(tables)
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
            FROM pg_index i
            WHERE i.indrelid = ANY(%s::regclass[])
              AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
            """,
            [names],
        )
        indexes = cursor.fetchall()
        cursor.execute(
            """
            SELECT conrelid::regclass::text, conname, contype, pg_get_constraintdef(oid)
            FROM pg_constraint
            WHERE conrelid = ANY(%s::regclass[]) AND contype IN ('u', 'f')
            ORDER BY contype DESC  -- unique before foreign keys
            """,
            [names],
        )
        constraints = cursor.fetchall()
        # Foreign keys go first: a comment's (post, parent) key refers to the unique (post, id).
        for table, name, _kind, _definition in reversed(constraints):
            cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
        for name, _definition in indexes:
            cursor.execute(f"DROP INDEX {name}")
    rebuild = [definition for _name, definition in indexes]
    rebuild += [
        f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}'
        for table, name, _kind, definition in constraints
    ]
    return rebuild


def _zipf_cum_weights(n: int, exponent: float = 1.0) -> list[float]:
    total, cumulative = 0.0, []
    for rank in range(1, n + 1):
        total += 1 / rank**exponent
        cumulative.append(total)
    return cumulative


def _scores(rng: random.Random, sizes: Sizes) -> list[int]:
    """A long tail of scores (most posts a handful of votes, a few hundreds) summing exactly to
    the requested vote count, each at most the number of users."""
    n, cap = sizes.posts, sizes.users
    target = min(sizes.votes, n * cap)
    mean = target / max(n, 1)
    # int(expovariate) truncates, losing half a vote on average; ask for that half back.
    scores = (
        [min(int(rng.expovariate(1 / (mean + 0.5))), cap) for _ in range(n)] if mean else [0] * n
    )
    diff = target - sum(scores)
    while diff:
        i = rng.randrange(n)
        if diff > 0 and scores[i] < cap:
            scores[i] += 1
            diff -= 1
        elif diff < 0 and scores[i] > 0:
            scores[i] -= 1
            diff += 1
    return scores


def _thread_index(published: list[datetime], scores: list[int], now: datetime) -> int:
    """The post that gets the THREAD_SIZE-comment thread: the best-scored post published between
    THREAD_AGE_DAYS ago (a week-old discussion, no longer on the front page), else the best
    scored of all."""
    newest, oldest = (now - timedelta(days=days) for days in THREAD_AGE_DAYS)
    lo, hi = bisect.bisect_left(published, oldest), bisect.bisect_right(published, newest)
    candidates = range(lo, hi) if lo < hi else range(len(published))
    return max(candidates, key=lambda i: (scores[i], i))


def _comment_counts(
    rng: random.Random, sizes: Sizes, scores: list[int], thread: int | None
) -> list[int]:
    """Comments per post: log-normal weights that grow with the square root of the post's score,
    scaled to the total and rounded up or down at random, so most posts get none or a few and a
    long tail gets hundreds (at most COMMENT_CAP). Sums exactly to `sizes.comments`; the thread
    post gets exactly THREAD_SIZE."""
    n = sizes.posts
    counts = [0] * n
    others = [i for i in range(n) if i != thread]
    target = sizes.comments
    if thread is not None:
        counts[thread] = THREAD_SIZE
        target -= THREAD_SIZE
    target = min(target, COMMENT_CAP * len(others))
    if target <= 0:
        return counts
    mean_score = sum(scores) / n
    weights = {
        i: rng.lognormvariate(0, COMMENT_SPREAD) * math.sqrt((scores[i] + 1) / (mean_score + 1))
        for i in others
    }
    scale = target / sum(weights.values())
    for i, weight in weights.items():
        counts[i] = min(int(weight * scale + rng.random()), COMMENT_CAP)
    diff = target - sum(counts[i] for i in others)
    while diff:
        i = others[rng.randrange(len(others))]
        if diff > 0 and counts[i] < COMMENT_CAP:
            counts[i] += 1
            diff -= 1
        elif diff < 0 and counts[i] > 0:
            counts[i] -= 1
            diff += 1
    return counts


def _comment_bodies(rng: random.Random) -> list[tuple[str, str]]:
    """A pool of comment texts, as (Markdown, HTML) in COPY text: one to three short paragraphs
    with some emphasis, code and links, rendered once each by the site's own Markdown."""
    bodies = []
    for _ in range(COMMENT_BODIES):
        paragraphs = []
        for _ in range(rng.choice((1, 1, 1, 2, 2, 3))):
            a, b, c = (WORDS[rng.randrange(len(WORDS))] for _ in range(3))
            paragraphs.append(
                rng.choice(
                    (
                        f"We moved from {a} to **{b}** last year and {c} got simpler.",
                        f"Has anyone measured `{a}` against {b}? Our {c} numbers disagree.",
                        f"The {a} part is right, but {b} only helps if your {c} is the "
                        "bottleneck, which it rarely is.",
                        f"See [the {a} docs](https://{a}.example/docs) on {b}; {c} is covered "
                        "there too.",
                        f"This matches what we saw with {a}: *{b}* first, then {c}.",
                    )
                )
            )
        body = "\n\n".join(paragraphs)
        bodies.append((copy_text(body), copy_text(render_markdown(body))))
    return bodies


@dataclass
class Discussion:
    """What the comment load leaves for the posts (their stored counters) and for the vote load:
    per post, the published comment count, comment points and latest comment time; per comment
    (by id - 1), its score, author and time."""

    count: list[int]
    points: list[float]
    latest: list[str]
    scores: array[int] = field(default_factory=lambda: array("I"))
    authors: array[int] = field(default_factory=lambda: array("I"))
    times: array[int] = field(default_factory=lambda: array("q"))
    reader_votes: set[int] = field(default_factory=set)


def _load_comments(
    rng: random.Random,
    sizes: Sizes,
    *,
    now: datetime,
    published: list[datetime],
    post_authors: list[int],
    counts: list[int],
    thread: int | None,
    bar: tqdm,
) -> Discussion:
    """COPY every post's comments, a tree each: a comment starts a new branch
    (COMMENT_TOP_LEVEL) or answers the comment just before it (COMMENT_ANSWERS_PREVIOUS) or any
    earlier one, never deeper than MAX_DEPTH; the first come soon after the post, most within
    hours; one in ten is the submitter's; a few are deleted or removed. Ids follow the posts,
    then the comments' times within a post."""
    n = sizes.posts
    found = Discussion(count=[0] * n, points=[0.0] * n, latest=[r"\N"] * n)
    bodies = _comment_bodies(rng)
    score_texts: dict[int, tuple[str, str]] = {}
    now_epoch = int(now.timestamp())
    loader = Loader(
        Comment,
        [
            "id",
            "short_id",
            "post_id",
            "author_id",
            "parent_id",
            "depth",
            "body",
            "body_html",
            "score",
            "confidence",
            "status",
            "removed_reason",
            "created_at",
        ],
        now,
    )
    scores, authors, times = found.scores, found.authors, found.times
    max_score = max(sizes.users - 1, 0)  # everyone but the author

    def rows() -> Iterator[tuple[str, ...]]:
        # Hot loop (five million rows at full size): random() scaled instead of randrange(),
        # whole seconds, texts built once and looked up.
        random_ = rng.random
        expovariate = rng.expovariate
        users = sizes.users
        comment_id = 0
        for i in range(n):
            size = counts[i]
            if not size:
                continue
            post_id, post_author = str(i + 1), post_authors[i]
            # Whole seconds after the post, never after now.
            start = int(published[i].timestamp()) + 1
            span = max(now_epoch - start, 0)
            moments = []
            for _ in range(size):
                delay = expovariate(1 / COMMENT_DELAY_MEAN)
                moments.append(start + int(delay if delay < span else span * random_()))
            moments.sort()
            in_thread = i == thread
            votes_rate = 1 / (THREAD_VOTES_MEAN if in_thread else COMMENT_VOTES_MEAN)
            ids: list[str] = []
            parents: list[int] = []
            depths: list[int] = []
            published_count, points = 0, 0.0
            for k, moment in enumerate(moments):
                comment_id += 1
                own_id = str(comment_id)
                parent = -1
                if k and random_() >= COMMENT_TOP_LEVEL:
                    parent = k - 1 if random_() < COMMENT_ANSWERS_PREVIOUS else int(random_() * k)
                    if depths[parent] >= MAX_DEPTH:
                        parent = parents[parent]
                depth = depths[parent] + 1 if parent >= 0 else 0
                ids.append(own_id)
                parents.append(parent)
                depths.append(depth)
                author = post_author if random_() < 0.1 else 1 + int(random_() * users)
                gone = 1.0 if in_thread else random_()
                score = 0
                if gone < COMMENT_DELETED:
                    status, body, html, reason = "deleted", "", "", ""
                elif gone < COMMENT_DELETED + COMMENT_REMOVED:
                    status, reason = "removed", "Off topic."
                    body, html = bodies[int(random_() * COMMENT_BODIES)]
                else:
                    status, reason = "published", ""
                    body, html = bodies[int(random_() * COMMENT_BODIES)]
                    score = min(int(expovariate(votes_rate)), max_score)
                    if in_thread and author != READER_ID and k % THREAD_READER_VOTE_EVERY == 3:
                        score = max(score, 1)
                        found.reader_votes.add(comment_id)
                    published_count += 1
                    if author != post_author:
                        points += comment_points(score=score)
                texts = score_texts.get(score)
                if texts is None:
                    texts = score_texts[score] = (str(score), repr(confidence(ups=score)))
                scores.append(score)
                authors.append(author)
                times.append(moment)
                yield (
                    own_id,
                    short_id_for(comment_id, COMMENT_SHORT_ID_LENGTH),
                    post_id,
                    str(author),
                    ids[parent] if parent >= 0 else r"\N",
                    str(depth),
                    body,
                    html,
                    texts[0],
                    texts[1],
                    status,
                    reason,
                    moment_text(moment),
                )
            found.count[i] = published_count
            found.points[i] = points
            found.latest[i] = moment_text(moments[-1])

    loader.load(rows(), bar)
    return found


_DAYS: dict[int, str] = {}
_TIMES_OF_DAY: list[str] = []


def moment_text(moment: int) -> str:
    """COPY text of a Unix time in whole seconds, UTC: the date part cached per day, the time
    part from a table (datetime.isoformat() per row is a third of the comments' time)."""
    if not _TIMES_OF_DAY:
        _TIMES_OF_DAY.extend(
            f"T{second // 3600:02d}:{second // 60 % 60:02d}:{second % 60:02d}+00:00"
            for second in range(86400)
        )
    day, second = divmod(moment, 86400)
    date = _DAYS.get(day)
    if date is None:
        date = _DAYS[day] = datetime.fromtimestamp(day * 86400, tz=UTC).date().isoformat()
    return date + _TIMES_OF_DAY[second]


def _load_comment_votes(
    rng: random.Random, sizes: Sizes, found: Discussion, now: datetime, bar: tqdm
) -> int:
    """COPY each comment's upvotes: `score` distinct members, never its author, the reader among
    them where the thread plan says so, cast within the hour after the comment."""
    voters = range(1, sizes.users + 1)
    loader = Loader(CommentVote, ["id", "user_id", "comment_id", "created_at"], now)

    def rows() -> Iterator[tuple[str, ...]]:
        row_id = 0
        for index, score in enumerate(found.scores):
            if not score:
                continue
            comment_id, author = index + 1, found.authors[index]
            # One voter too many, then the author out (or the extra one): never one's own comment.
            chosen = rng.sample(voters, score + 1)
            if author in chosen:
                chosen.remove(author)
            else:
                chosen.pop()
            if comment_id in found.reader_votes and READER_ID not in chosen:
                chosen[0] = READER_ID
            when = moment_text(found.times[index] + int(rng.random() * 3600))
            comment = str(comment_id)
            for user_id in chosen:
                row_id += 1
                yield (str(row_id), str(user_id), comment, when)

    return loader.load(rows(), bar)


def generate(*, sizes: Sizes, progress: bool = True, log: Callable[[str], None] = print) -> Timings:
    """Fill an empty, migrated PostgreSQL database with `sizes` worth of rows; returns timings."""
    if connection.vendor != "postgresql":
        raise RuntimeError("bench/datagen.py loads with PostgreSQL COPY; use generate_synthetic.")
    if User.objects.exists() or Post.objects.exists():
        raise RuntimeError("The benchmark database is not empty; drop it first.")
    timings = Timings()
    rng = random.Random(sizes.seed)
    now = timezone.now().replace(microsecond=0)
    with connection.cursor() as cursor:
        # A crash mid-load leaves no meta row, so the next run starts over: durability per
        # statement buys nothing here.
        cursor.execute("SET synchronous_commit = off")
        cursor.execute("SET maintenance_work_mem = '512MB'")

    with timings.timed("users, tags, channels"):
        password = make_password(None)  # unusable: synthetic accounts cannot log in
        users = Loader(
            User,
            ["id", "username", "email", "password", "date_joined", "email_verified_at"],
            now,
        )
        joined = [
            copy_text(now - timedelta(seconds=rng.uniform(0, 3 * 365 * 86400)))
            for _ in range(sizes.users)
        ]
        users.load(
            (
                str(i),
                f"synth{i}",
                f"synth{i}@synthetic.faun.localhost",
                password,
                joined[i - 1],
                joined[i - 1],
            )
            for i in range(1, sizes.users + 1)
        )
        tag_slugs = [
            WORDS[i] if i < len(WORDS) else f"{WORDS[i % len(WORDS)]}-{i}"
            for i in range(sizes.tags)
        ]
        Loader(Tag, ["id", "slug", "name", "description"], now).load(
            (str(i + 1), slug, slug.replace("-", " ").title(), f"Posts about {slug}.")
            for i, slug in enumerate(tag_slugs)
        )
        Loader(Channel, ["id", "handle", "name", "description", "created_at"], now).load(
            (
                str(i),
                f"synthchan{i}",
                f"Synthetic channel {i}",
                "News for developers.",
                copy_text(now),
            )
            for i in range(1, sizes.channels + 1)
        )
        # One owner per channel, so channel pages show members.
        Loader(ChannelMembership, ["id", "channel_id", "user_id", "role", "joined_at"], now).load(
            (str(i), str(i), str(1 + (i * 7919) % sizes.users), "owner", copy_text(now))
            for i in range(1, min(sizes.channels, sizes.users) + 1)
        )

    with timings.timed("scores and dates"):
        span = sizes.days * 86400
        # Sorted offsets: ids grow with publication time, as on the live site.
        published = sorted(
            now - timedelta(seconds=rng.uniform(0, span)) for _ in range(sizes.posts)
        )
        scores = _scores(rng, sizes)
        published_text = [copy_text(moment) for moment in published]
        post_authors = [rng.randint(1, sizes.users) for _ in range(sizes.posts)]
        thread = (
            _thread_index(published, scores, now)
            if sizes.comments >= THREAD_SIZE and sizes.posts >= 2
            else None
        )
        timings.thread_post_id = thread + 1 if thread is not None else None
        counts = _comment_counts(rng, sizes, scores, thread)

    with timings.timed("drop indexes"):
        rebuild = _drop_secondary_structures(BIG_TABLES)

    # Comments first: the posts store their count, points and latest time.
    with (
        timings.timed("comments"),
        tqdm(total=sizes.comments, desc="comments", unit="row", disable=not progress) as bar,
    ):
        discussion = _load_comments(
            rng,
            sizes,
            now=now,
            published=published,
            post_authors=post_authors,
            counts=counts,
            thread=thread,
            bar=bar,
        )

    with timings.timed("posts"):
        posts = Loader(
            Post,
            [
                "id",
                "short_id",
                "slug",
                "kind",
                "title",
                "url",
                "normalized_url",
                "domain",
                "tldr",
                "author_id",
                "channel_id",
                "status",
                "published_at",
                "created_at",
                "updated_at",
                "score",
                "hotness",
                "comment_count",
                "comment_points",
                "last_commented_at",
            ],
            now,
        )

        def post_rows() -> Iterator[tuple[str, ...]]:
            for i in range(sizes.posts):
                pk = i + 1
                word, other = WORDS[rng.randrange(len(WORDS))], WORDS[rng.randrange(len(WORDS))]
                when, score = published[i], scores[i]
                url = f"https://{word}.example/{pk}"
                channel = (
                    str(rng.randint(1, sizes.channels))
                    if sizes.channels and rng.random() < 0.4
                    else r"\N"
                )
                yield (
                    str(pk),
                    short_id_for(pk),
                    f"{word}-{other}-notes-{pk}",
                    "link",
                    f"{word.title()} {other} notes #{pk}",
                    url,
                    url,
                    f"{word}.example",
                    f'["A synthetic post about {word}.", "Second point on {other}."]',
                    str(post_authors[i]),
                    channel,
                    "published",
                    published_text[i],
                    published_text[i],
                    published_text[i],
                    str(score),
                    repr(
                        hotness(
                            score=score,
                            published_at=when,
                            comment_points=discussion.points[i],
                        )
                    ),
                    str(discussion.count[i]),
                    repr(discussion.points[i]),
                    discussion.latest[i],
                )

        with tqdm(total=sizes.posts, desc="posts", unit="row", disable=not progress) as bar:
            posts.load(post_rows(), bar)

    with timings.timed("post tags"):
        through = Loader(Post.tags.through, ["id", "post_id", "tag_id"], now)
        cum_weights = _zipf_cum_weights(sizes.tags)
        tag_ids = range(1, sizes.tags + 1)

        def tag_rows() -> Iterator[tuple[str, ...]]:
            row_id = 0
            for pk in range(1, sizes.posts + 1):
                for tag_id in set(
                    rng.choices(tag_ids, cum_weights=cum_weights, k=rng.randint(1, 3))
                ):
                    row_id += 1
                    yield (str(row_id), str(pk), str(tag_id))

        # About two tags per post; the bar's total is an estimate, corrected at the end.
        with tqdm(total=sizes.posts * 2, desc="post tags", unit="row", disable=not progress) as bar:
            if sizes.tags:
                bar.total = through.load(tag_rows(), bar)

    with timings.timed("votes"):
        votes = Loader(Vote, ["id", "user_id", "post_id", "created_at"], now)
        voters = range(1, sizes.users + 1)

        def vote_rows() -> Iterator[tuple[str, ...]]:
            row_id = 0
            for i, score in enumerate(scores):
                pk, when = str(i + 1), published_text[i]
                for user_id in rng.sample(voters, score):
                    row_id += 1
                    yield (str(row_id), str(user_id), pk, when)

        with tqdm(total=sum(scores), desc="votes", unit="row", disable=not progress) as bar:
            votes.load(vote_rows(), bar)

    with (
        timings.timed("comment votes"),
        tqdm(
            total=sum(discussion.scores), desc="comment votes", unit="row", disable=not progress
        ) as bar,
    ):
        comment_votes = _load_comment_votes(rng, sizes, discussion, now, bar)

    with timings.timed("rebuild indexes and constraints"), connection.cursor() as cursor:
        for statement in tqdm(rebuild, desc="indexes", unit="index", disable=not progress):
            cursor.execute(statement)
        loaded = [
            User,
            Tag,
            Channel,
            ChannelMembership,
            Post,
            Post.tags.through,
            Vote,
            Comment,
            CommentVote,
        ]
        for statement in connection.ops.sequence_reset_sql(no_style(), loaded):
            cursor.execute(statement)

    with timings.timed("analyze"), connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    log(
        f"generated {sizes.posts:,} posts, {sum(scores):,} votes, {sum(counts):,} comments, "
        f"{comment_votes:,} comment votes, {sizes.users:,} users, {sizes.tags} tags, "
        f"{sizes.channels} channels in {timings.total:.0f} s"
    )
    return timings


def check(*, sample: int = 200) -> None:
    """Raise if stored counters disagree with the rows (a sample, plus totals): posts' scores
    with their votes, comment counts, comment points and latest comment times with their
    comments, hotness with both; comments' scores with their votes."""
    total_score = Post.objects.aggregate(total=Sum("score"))["total"] or 0
    total_votes = Vote.objects.count()
    if total_score != total_votes:
        raise AssertionError(f"sum(score)={total_score} but {total_votes} vote rows")
    published = Comment.objects.filter(status=Comment.Status.PUBLISHED)
    stored = Post.objects.aggregate(total=Sum("comment_count"))["total"] or 0
    if stored != published.count():
        raise AssertionError(f"sum(comment_count)={stored} but {published.count()} comments")
    comment_score = Comment.objects.aggregate(total=Sum("score"))["total"] or 0
    if comment_score != CommentVote.objects.count():
        raise AssertionError(f"comments' scores sum to {comment_score}, not their vote rows")
    # Each sampled post on its own: joining votes and comments at once multiplies the rows.
    for post in Post.objects.filter(pk__in=_sample_ids(Post, sample)):
        votes = Vote.objects.filter(post=post).count()
        if post.score != votes:
            raise AssertionError(f"post {post.pk}: score {post.score}, {votes} votes")
        comments = Comment.objects.filter(post=post)
        count = comments.filter(status=Comment.Status.PUBLISHED).count()
        latest = comments.aggregate(latest=Max("created_at"))["latest"]
        if (post.comment_count, post.last_commented_at) != (count, latest):
            raise AssertionError(f"post {post.pk}: comment count or latest time is off")
        points = sum(
            comment_points(score=score)
            for score in comments.filter(status=Comment.Status.PUBLISHED)
            .exclude(author_id=post.author_id)
            .values_list("score", flat=True)
        )
        if not math.isclose(post.comment_points, points, abs_tol=1e-9):
            raise AssertionError(f"post {post.pk}: comment points {post.comment_points}, {points}")
        expected = hotness(
            score=post.score, published_at=post.published_at, comment_points=post.comment_points
        )
        if not math.isclose(post.hotness, expected, rel_tol=0, abs_tol=1e-9):
            raise AssertionError(f"post {post.pk}: hotness {post.hotness} != {expected}")
    for comment in Comment.objects.filter(pk__in=_sample_ids(Comment, sample)).annotate(
        n=Count("votes")
    ):
        if comment.score != comment.n:
            raise AssertionError(f"comment {comment.pk}: score {comment.score}, {comment.n} votes")


def _sample_ids(model: type[models.Model], size: int) -> list[int]:
    """Random ids of `model` (they run from 1 without gaps), without sorting the whole table."""
    top = model._default_manager.aggregate(top=Max("id"))["top"] or 0
    return random.sample(range(1, top + 1), min(size, top))
