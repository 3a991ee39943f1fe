"""Benchmark-sized synthetic data, loaded with PostgreSQL COPY (psycopg 3 `cursor.copy()`).

`manage.py generate_synthetic` builds model instances and bulk-inserts them: right for tests and a
few thousand rows, far too slow for a million posts and five million votes. Here rows are written
as COPY text straight from Python tuples, and the big tables (posts, their tags, votes) are loaded
without their secondary indexes, unique and foreign-key constraints, which are rebuilt in one pass
each afterwards (a sorted index build instead of millions of random B-tree inserts, one join to
validate each foreign key instead of a trigger per row). Primary keys and CHECK constraints stay in
place during the load, so every row still passes the model's rules.

The data keeps the invariants the site relies on: every post's stored `score` equals its vote rows
and `hotness` is `posts.ranking.hotness(score, published_at)`. Ids grow with publication time, as
they do on the live site. Tag popularity is Zipf-like (a few huge tags, a long tail of small ones).

Columns this module does not know about (added by a later migration) get the model field's default,
so a new nullable or defaulted field never breaks the generator.
"""

from __future__ import annotations

import json
import math
import random
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth.hashers import make_password
from django.core.management.color import no_style
from django.db import connection, models
from django.utils import timezone
from tqdm import tqdm

from accounts.models import User
from posts.management.commands.generate_synthetic import WORDS
from posts.models import Channel, ChannelMembership, Post, Tag, Vote
from posts.ranking import hotness

# Short ids: a bijection of the post id onto 6 base-36 characters (the site's own format), so
# they are unique without a lookup and do not reveal the insertion order at a glance.
SHORT_ID_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789"
SHORT_ID_SPACE = 36**6
SHORT_ID_MULTIPLIER = 1_299_709  # a prime, coprime with 36, so id -> id * m mod 36^6 is 1:1
CHUNK_ROWS = 20_000
BIG_TABLES = (Post._meta.db_table, Post.tags.through._meta.db_table, Vote._meta.db_table)


@dataclass(frozen=True)
class Sizes:
    posts: int
    users: int
    votes: int
    tags: int
    channels: int
    days: int = 365
    seed: int = 42


@dataclass
class Timings:
    steps: dict[str, float] = field(default_factory=dict)

    @contextmanager
    def timed(self, name: str) -> Iterator[None]:
        started = time.perf_counter()
        yield
        self.steps[name] = time.perf_counter() - started

    @property
    def total(self) -> float:
        return sum(self.steps.values())


def short_id_for(pk: int) -> str:
    n = (pk * SHORT_ID_MULTIPLIER) % SHORT_ID_SPACE
    chars = []
    for _ in range(6):
        n, digit = divmod(n, 36)
        chars.append(SHORT_ID_ALPHABET[digit])
    return "".join(chars)


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
        for table, name, _kind, _definition in constraints:
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

    with timings.timed("drop indexes"):
        rebuild = _drop_secondary_structures(BIG_TABLES)

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
                    str(rng.randint(1, sizes.users)),
                    channel,
                    "published",
                    published_text[i],
                    published_text[i],
                    published_text[i],
                    str(score),
                    repr(hotness(score=score, published_at=when)),
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

    with timings.timed("rebuild indexes and constraints"), connection.cursor() as cursor:
        for statement in tqdm(rebuild, desc="indexes", unit="index", disable=not progress):
            cursor.execute(statement)
        loaded = [User, Tag, Channel, ChannelMembership, Post, Post.tags.through, Vote]
        for statement in connection.ops.sequence_reset_sql(no_style(), loaded):
            cursor.execute(statement)

    with timings.timed("analyze"), connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    log(
        f"generated {sizes.posts:,} posts, {sum(scores):,} votes, {sizes.users:,} users, "
        f"{sizes.tags} tags, {sizes.channels} channels in {timings.total:.0f} s"
    )
    return timings


def check(*, sample: int = 200) -> None:
    """Raise if stored scores and hotness disagree with the vote rows (a sample, plus totals)."""
    from django.db.models import Count, Sum

    total_score = Post.objects.aggregate(total=Sum("score"))["total"] or 0
    total_votes = Vote.objects.count()
    if total_score != total_votes:
        raise AssertionError(f"sum(score)={total_score} but {total_votes} vote rows")
    for post in Post.objects.annotate(n=Count("votes")).order_by("?")[:sample]:
        if post.score != post.n:
            raise AssertionError(f"post {post.pk}: score {post.score}, {post.n} votes")
        expected = hotness(score=post.score, published_at=post.published_at)
        if not math.isclose(post.hotness, expected, rel_tol=0, abs_tol=1e-9):
            raise AssertionError(f"post {post.pk}: hotness {post.hotness} != {expected}")
