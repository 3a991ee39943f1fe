"""Create or reuse one benchmark database: `python bench/prepare.py --database-url ... --posts N`.

Runs in its own process (run.py calls it once per database) because Django binds to one database
at start-up. The database is reused when its `bench_meta` row says it already holds the requested
sizes from the current generator; otherwise it is dropped, recreated, migrated and filled by
bench/datagen.py. Migrations run on a reused database too, so a new migration never leaves the
benchmark on an old schema. Prints one JSON line (`BENCH_PREPARE {...}`) for run.py.

Only databases named faun_bench* are ever dropped.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import psycopg

ROOT = Path(__file__).resolve().parent.parent
# Bump when the generator's output changes, so old databases are rebuilt rather than reused.
GENERATOR_VERSION = 2
META_TABLE = "bench_meta"


def database_name(url: str) -> str:
    name = urlparse(url).path.lstrip("/")
    if not name.startswith("faun_bench"):
        raise SystemExit(f"refusing to use {name!r}: benchmark databases are named faun_bench*")
    return name


def maintenance_url(url: str) -> str:
    """The same server and credentials, connected to the `postgres` database."""
    return urlparse(url)._replace(path="/postgres").geturl()


def stored_meta(url: str) -> dict[str, Any] | None:
    """The database's bench_meta, or None when the database or the table is missing."""
    name = database_name(url)
    with psycopg.connect(maintenance_url(url), autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is None:
            return None
    with psycopg.connect(url, autocommit=True) as conn:
        if conn.execute("SELECT to_regclass(%s)", [META_TABLE]).fetchone()[0] is None:
            return None
        row = conn.execute(f"SELECT value FROM {META_TABLE} WHERE key = 'dataset'").fetchone()  # noqa: S608
        return row[0] if row else None


def recreate(url: str) -> None:
    name = database_name(url)
    with psycopg.connect(maintenance_url(url), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def write_meta(url: str, value: dict[str, Any]) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(
            f"CREATE TABLE IF NOT EXISTS {META_TABLE} (key text PRIMARY KEY, value jsonb NOT NULL)"
        )
        conn.execute(
            f"INSERT INTO {META_TABLE} (key, value) VALUES ('dataset', %s) "  # noqa: S608
            "ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
            [psycopg.types.json.Jsonb(value)],
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    for name in ("posts", "users", "votes", "tags", "channels", "comments"):
        parser.add_argument(f"--{name}", type=int, required=True)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--quiet", action="store_true", help="No progress bars.")
    parser.add_argument("--force", action="store_true", help="Regenerate even if reusable.")
    args = parser.parse_args(argv)
    started = time.perf_counter()

    wanted = {
        "generator": GENERATOR_VERSION,
        "sizes": {
            name: getattr(args, name)
            for name in ("posts", "users", "votes", "tags", "channels", "comments", "seed")
        },
    }
    meta = stored_meta(args.database_url)
    reuse = not args.force and meta is not None and {key: meta.get(key) for key in wanted} == wanted
    if not reuse:
        recreate(args.database_url)

    os.environ.update(
        DJANGO_SETTINGS_MODULE="faun.settings",
        DJANGO_ENV="test",
        DEBUG="false",
        DATABASE_URL=args.database_url,
        DATABASE_POOL="false",
        # The benchmark measures one server; replica URLs would name other databases.
        DATABASE_REPLICA_URLS="",
        REDIS_URL="",
        LOG_LEVEL="WARNING",
    )
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    from bench import datagen

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    call_command("migrate", interactive=False, verbosity=0)
    steps: dict[str, float] = {}
    if reuse:
        log(f"{database_name(args.database_url)}: reusing {meta['sizes']}")
    else:
        sizes = datagen.Sizes(**wanted["sizes"])
        timings = datagen.generate(sizes=sizes, progress=not args.quiet, log=log)
        datagen.check()
        steps = timings.steps
        write_meta(
            args.database_url,
            {
                **wanted,
                "generated_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                # bench/fixtures.py's thread scenario: the post with THREAD_SIZE comments.
                "thread_post_id": timings.thread_post_id,
            },
        )
    result = {
        "database": database_name(args.database_url),
        "reused": reuse,
        "seconds": round(time.perf_counter() - started, 2),
        "steps": {name: round(seconds, 2) for name, seconds in steps.items()},
    }
    print("BENCH_PREPARE " + json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
