"""Shared fixtures (a member and a client logged in as one; pytest-django's `mailoutbox` holds
captured mail), and the rule for tests that need real services.

Tests marked postgres, replica, redis, worker, browser or checkers need the real thing. Locally,
when it is missing, they are skipped with the reason. In CI (CI=true or FAUN_REQUIRE_SERVICES=1) a
missing service is a failure: such a test never passes by skipping there.

Only tests marked replica read from the read replicas (DATABASE_REPLICA_URLS): in every other
test reads go to the primary, where the test's rows are (uncommitted, in most tests) and where
query-count assertions look.
"""

from __future__ import annotations

import os
import shutil
import socket
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlparse

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from core.cache import cache_outage_reset
from core.replicas import replica_states_reset
from faun.settings import PASSWORD_HASHERS as PRODUCTION_PASSWORD_HASHERS
from tests.accounts.factories import UserFactory

pytest_plugins = ["tests.service_fixtures"]

REQUIRE_SERVICES = os.environ.get("CI", "").lower() in {"1", "true", "yes"} or os.environ.get(
    "FAUN_REQUIRE_SERVICES", ""
) in {"1", "true", "yes"}
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
# The quality gates' tools (docs/testing.md#quality-gates), installed by `npm ci`.
NODE_MODULES = Path(__file__).resolve().parent.parent / "node_modules"
CHECKERS = (
    "vnu-jar/build/dist/vnu.jar",
    "axe-core/axe.min.js",
    "lighthouse/cli/index.js",
)


def _redis_reachable() -> str | None:
    if not settings.REDIS_URL:
        return "REDIS_URL is not set"
    parsed = urlparse(settings.REDIS_URL)
    try:
        with socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port or 6379), 2):
            return None
    except OSError as exc:
        return f"Redis at {settings.REDIS_URL} is unreachable: {exc}"


def _replica_reachable() -> str | None:
    if not settings.DATABASE_REPLICAS:
        return "needs DATABASE_REPLICA_URLS=postgres://... (a streaming replica: bash .ci/replica)"
    for alias in settings.DATABASE_REPLICAS:
        db = settings.DATABASES[alias]
        address = (db["HOST"] or "127.0.0.1", int(db["PORT"] or 5432))
        try:
            with socket.create_connection(address, 2):
                pass
        except OSError as exc:
            return f"replica {alias} at {address[0]}:{address[1]} is unreachable: {exc}"
    return None


def _missing(marker: str) -> str | None:
    if marker == "postgres" and connection.vendor != "postgresql":
        return "needs DATABASE_URL=postgres://..."
    if marker == "replica":
        return _replica_reachable()
    if marker in {"redis", "worker"}:
        return _redis_reachable()
    if marker == "browser":
        if not shutil.which(CHROMIUM) and not os.path.exists(CHROMIUM):
            return f"Chromium not found at {CHROMIUM} (apt-get install chromium)"
        try:
            import playwright.sync_api  # noqa: F401
        except ImportError:
            return "Playwright for Python is not installed"
    if marker == "checkers":
        for program in ("java", "node"):
            if not shutil.which(program):
                return f"{program} not found (apt-get install default-jre-headless nodejs)"
        for tool in CHECKERS:
            if not (NODE_MODULES / tool).exists():
                return f"node_modules/{tool} is missing (npm ci)"
    return None


def pytest_runtest_setup(item: pytest.Item) -> None:
    for marker in ("postgres", "replica", "redis", "worker", "browser", "checkers"):
        if item.get_closest_marker(marker) is None:
            continue
        reason = _missing(marker)
        if reason is None:
            continue
        if REQUIRE_SERVICES:
            pytest.fail(f"[{marker}] required in CI but unavailable: {reason}", pytrace=False)
        pytest.skip(f"[{marker}] {reason}")


@pytest.fixture(autouse=True)
def _isolated_settings(settings, tmp_path):
    """Each test writes mail and media (social cards) to its own folders, runs tasks eagerly
    (tests that start a real worker turn this off) and starts with an empty cache, which no
    earlier test's outage keeps it off."""
    from faun.celery import app

    settings.EMAIL_FILE_PATH = str(tmp_path / "mail")
    settings.MEDIA_ROOT = str(tmp_path / "media")
    app.conf.task_always_eager = True
    from django.core.cache import cache

    cache.clear()
    cache_outage_reset()
    yield
    cache.clear()
    cache_outage_reset()


@pytest.fixture(autouse=True)
def _replicas_only_when_marked(request, settings):
    """Reads go to the primary unless the test is marked `replica`; no test inherits another's
    replica checks."""
    if request.node.get_closest_marker("replica") is None:
        settings.DATABASE_REPLICAS = []
    replica_states_reset()
    yield
    replica_states_reset()


@pytest.fixture
def chromium(monkeypatch):
    """Debian's Chromium, launched by Playwright (never a downloaded browser)."""
    # Playwright's sync API runs an event loop in the test thread; the ORM would refuse to run.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--disable-quic",
            ],
        )
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def browser_page(chromium, live_server):
    """A Playwright page in Debian's Chromium, pointed at the live test server."""
    context = chromium.new_context(base_url=live_server.url)
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        yield page
    finally:
        context.close()


@pytest.fixture
def argon2_hasher(settings):
    """The production password hashers (Argon2 first), for the test that checks them; the suite
    runs with a fast hasher (tests/settings.py)."""
    settings.PASSWORD_HASHERS = PRODUCTION_PASSWORD_HASHERS


@pytest.fixture
def member(db):
    """A verified account past the new-account period (no new-account rate limits)."""
    return UserFactory(date_joined=timezone.now() - timedelta(days=30))


@pytest.fixture
def member_client(client, member):
    """The test client, logged in as `member`."""
    client.force_login(member)
    return client


@pytest.fixture
def delivered(django_capture_on_commit_callbacks):
    """`with delivered():` runs what the block queued on commit (outbox deliveries, eagerly),
    as a worker would once the transaction commits; the emails land in `mail.outbox`."""
    return lambda: django_capture_on_commit_callbacks(execute=True)
