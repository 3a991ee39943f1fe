"""With the cache's Redis stopped mid-test, the site keeps serving from the database: anonymous
and logged-in pages, the API with and without a token, throttled endpoints and log-in (their
limits are skipped), and /healthz reports the degraded cache with a 200
(docs/operations.md#when-redis-is-down).

The Redis is the test's own (tests/service_fixtures.py, `redis_server`), never the shared one.
"""

from __future__ import annotations

import logging

import pytest
from django.test import Client

from accounts.tokens import api_token_create
from outbox.models import OutboundEmail
from tests.posts.factories import PostFactory, TagFactory

pytestmark = [pytest.mark.redis, pytest.mark.django_db]

PASSWORD = "correct-horse-battery-9"  # tests/accounts/factories.py


@pytest.fixture
def redis_cache(settings, redis_server):
    """The cache on the private Redis, as production configures it; restored before the suite's
    own clean-up empties the cache."""
    original = settings.CACHES
    settings.CACHES = {
        "default": {
            **original["default"],
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": redis_server.url,
            "KEY_PREFIX": "faun-outage-test",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    settings.ANONYMOUS_CACHE_SECONDS = 30
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "3/min", "user": "3/min", "write": "30/min"},
    }
    settings.ACCOUNTS_LOGIN_FAILURE_LIMIT = 2
    yield redis_server
    settings.CACHES = original


def log_in(username: str, password: str) -> tuple[int, str]:
    response = Client().post("/login/", {"username": username, "password": password})
    return response.status_code, response.content.decode()


def test_the_site_serves_from_the_database_while_redis_is_down(redis_cache, member, caplog):
    caplog.set_level(logging.INFO, logger="core.cache")
    post = PostFactory(title="Still on the front page", tags=[TagFactory(slug="alpha")])
    token = api_token_create(user=member, name="outage", scope="write").secret
    bearer = {"authorization": f"Bearer {token}"}
    anonymous, logged_in = Client(), Client()
    logged_in.force_login(member)

    # Redis up: pages are shared through it, throttles and log-in limits count in it.
    assert anonymous.get("/")["X-Cache"] == "miss"
    assert anonymous.get("/")["X-Cache"] == "hit"
    me = [anonymous.get("/api/v1/me/", headers=bearer).status_code for _ in range(4)]
    assert me == [200, 200, 200, 429]
    assert "Too many failed log-ins" not in log_in(member.username, "wrong")[1]
    assert "Too many failed log-ins" not in log_in(member.username, "wrong")[1]
    assert "Too many failed log-ins" in log_in(member.username, PASSWORD)[1]
    health = anonymous.get("/healthz")
    assert health.json() == {"status": "ok", "database": "ok", "cache": "ok"}

    redis_cache.stop()

    for path in (
        "/",
        "/newest/",
        "/t/alpha/",
        post.get_absolute_url(),
        "/search?q=front",
        "/feeds/home.rss",
        "/api/v1/posts/",
        f"/api/v1/posts/{post.short_id}/",
        "/api/v1/tags/",
    ):
        response = anonymous.get(path)
        assert response.status_code == 200, path
        assert "X-Cache" not in response, path  # neither served from nor stored in the cache
    assert "Still on the front page" in anonymous.get("/").content.decode()
    # The anonymous throttle (3/min) is skipped: five API requests that miss the page cache.
    for size in range(1, 6):
        assert anonymous.get(f"/api/v1/posts/?page_size={size}").status_code == 200

    # With a token: the user throttle that answered 429 above lets requests through, writes too.
    for _ in range(3):
        assert anonymous.get("/api/v1/me/", headers=bearer).status_code == 200
    saved = anonymous.post(
        f"/api/v1/posts/{post.short_id}/save/",
        "{}",
        content_type="application/json",
        headers=bearer,
    )
    assert saved.status_code in (200, 201)

    for path in ("/", "/my/", "/saved/", "/settings/", post.get_absolute_url()):
        assert logged_in.get(path).status_code == 200, path

    # Log-in limits are skipped rather than locking everyone out: the right password works.
    status, page = log_in(member.username, "wrong")
    assert status == 200
    assert "Too many failed log-ins" not in page
    assert log_in(member.username, PASSWORD)[0] == 302
    # So are the email limits: a password reset is still sent.
    reset = Client().post("/password/reset/", {"email": member.email})
    assert reset.status_code == 302
    assert OutboundEmail.objects.filter(to=member.email).exists()

    health = anonymous.get("/healthz")
    assert health.status_code == 200  # a load balancer keeps the node
    assert health.json() == {"status": "degraded", "database": "ok", "cache": "unavailable"}

    # One warning for the whole outage, not one per request.
    warnings = [r for r in caplog.records if r.name == "core.cache" and r.levelname == "WARNING"]
    assert len(warnings) == 1
    assert "cache unavailable" in warnings[0].getMessage()

    # Redis back: the next health check ends the outage and pages are shared again.
    redis_cache.start()
    assert anonymous.get("/healthz").json() == {"status": "ok", "database": "ok", "cache": "ok"}
    assert anonymous.get("/newest/")["X-Cache"] == "miss"
    assert anonymous.get("/newest/")["X-Cache"] == "hit"
    assert any("cache available again" in r.getMessage() for r in caplog.records)
