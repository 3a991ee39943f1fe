"""Time the quiet reader's My feed in process on one benchmark database:
`python -m bench.quiet_feed --database-url ... --redis-url ...`.

Runs in its own process (run.py calls it once per database for the growth table) because Django
binds to one database at start-up. Makes the quiet reader if the database has none
(bench/fixtures.py), then requests /my/ with their session through Django's test Client, and
prints one JSON line (`BENCH_QUIET_FEED {...}`) for run.py.
"""

from __future__ import annotations

import argparse
import json

from bench.run import setup_django


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--redis-url", required=True)
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    setup_django(args.database_url, args.redis_url)
    from bench import measure  # binds to the database set up above

    print("BENCH_QUIET_FEED " + json.dumps(measure.quiet_feed_timing(repeat=args.repeat)))


if __name__ == "__main__":
    main()
