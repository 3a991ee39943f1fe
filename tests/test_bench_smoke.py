"""The benchmark harness (bench/run.py, docs/performance.md) runs end to end on a tiny data set:
database generation with COPY, query counts, EXPLAIN, gunicorn on production settings and wrk."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote, urlparse

import pytest
from django.conf import settings
from django.urls import Resolver404, resolve

from bench.fixtures import session_for
from bench.run import TABLE_HEADER
from tests.accounts.factories import UserFactory
from tests.conftest import REQUIRE_SERVICES

ROOT = Path(__file__).resolve().parent.parent


def test_baseline_view_is_not_served_unless_benchmarking():
    assert settings.BENCHMARK_VIEWS is False
    with pytest.raises(Resolver404):
        resolve("/_bench/baseline")


@pytest.mark.django_db
@pytest.mark.parametrize(
    "backends",
    [
        None,  # the site's own
        ["django.contrib.auth.backends.ModelBackend"],
        ["django.contrib.auth.backends.AllowAllUsersModelBackend"],
    ],
)
def test_the_benchmark_readers_session_is_logged_in(client, settings, backends):
    # The logged-in scenarios measure a member's pages only if the session made for the reader is
    # one the site accepts: it must name a backend the site authenticates with.
    if backends is not None:
        settings.AUTHENTICATION_BACKENDS = backends
    reader = UserFactory()
    client.cookies[settings.SESSION_COOKIE_NAME] = session_for(reader)
    response = client.get("/")
    assert response.status_code == 200
    assert response.wsgi_request.user == reader


def smoke_urls() -> tuple[str, str]:
    """The test run's PostgreSQL server and Redis, with the benchmark's own databases on them."""
    db = settings.DATABASES["default"]
    credentials = quote(db["USER"] or "postgres")
    if db.get("PASSWORD"):
        credentials += ":" + quote(db["PASSWORD"])
    database_url = f"postgres://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
    redis = urlparse(settings.REDIS_URL)
    return (
        f"{database_url}/faun_bench_smoke",
        f"redis://{redis.netloc or '127.0.0.1:6379'}/6",
    )


@pytest.mark.postgres
@pytest.mark.redis
def test_bench_smoke_runs_end_to_end(tmp_path):
    if shutil.which("wrk") is None:
        message = "wrk is not installed (apt-get install wrk)"
        if REQUIRE_SERVICES:
            pytest.fail(message)
        pytest.skip(message)
    database_url, redis_url = smoke_urls()
    output = tmp_path / "smoke.md"
    command = [sys.executable, "bench/run.py", "--smoke", "--quiet", "--output", str(output)]
    command += ["--database-url", database_url, "--redis-url", redis_url]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=240)
    assert result.returncode == 0, result.stderr[-4000:]
    assert TABLE_HEADER in result.stdout
    assert TABLE_HEADER in output.read_text()
    # Every scenario was measured, and every page answered under production settings with a
    # query count that does not grow with the page size.
    assert re.search(r"^\| home \| [\d,]+ \| \d+% \|", result.stdout, re.MULTILINE)
    assert "| zero errors in every scenario | 0 in every scenario | PASS |" in result.stdout
    assert "all constant | PASS |" in result.stdout
