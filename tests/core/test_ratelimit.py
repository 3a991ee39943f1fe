"""The cache-based rate limiter: counts per identifier within a window, says how long to wait,
and lets requests through when the cache is down."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import RequestFactory

from core import ratelimit
from core.ratelimit import Limit


def test_limit_blocks_after_the_count_and_says_how_long_to_wait():
    limit = Limit("test", 3, 900)
    for expected in (1, 2, 3):
        assert limit.retry_after("Ada") == 0
        assert limit.hit("Ada") == expected
    assert 899 <= limit.retry_after("ada") <= 900  # identifiers ignore case and spaces
    assert limit.retry_after(" ADA ") > 0
    assert limit.retry_after("grace") == 0


def test_window_starts_at_the_first_hit_and_ends_after_it(monkeypatch):
    now = [1_000_000.0]
    monkeypatch.setattr(ratelimit.time, "time", lambda: now[0])
    limit = Limit("test", 1, 900)
    limit.hit("ada")
    now[0] += 600
    assert limit.retry_after("ada") == 300


def test_reset_clears_the_count():
    limit = Limit("test", 1, 900)
    limit.hit("ada")
    limit.reset("ada")
    assert limit.retry_after("ada") == 0


def test_cache_keys_do_not_contain_the_identifier():
    limit = Limit("test", 5, 900)
    limit.hit("ada@example.com")
    key = limit._key("ada@example.com")
    assert cache.get(key) == 1
    assert "ada" not in key
    assert "example" not in key


def test_a_cache_outage_lets_requests_through(monkeypatch, caplog):
    def down(*args, **kwargs):
        raise ConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    for method in ("get_many", "add", "incr", "set", "delete_many"):
        monkeypatch.setattr(cache, method, down)
    limit = Limit("test", 1, 900)
    assert limit.hit("ada") == 0
    assert limit.retry_after("ada") == 0
    limit.reset("ada")
    assert "cache unavailable" in caplog.text


@pytest.mark.parametrize(
    ("proxies", "remote", "forwarded", "expected"),
    [
        (0, "203.0.113.7", "1.2.3.4", "203.0.113.7"),
        (1, "10.0.0.1", "1.2.3.4, 203.0.113.7", "203.0.113.7"),
        (2, "10.0.0.1", "1.2.3.4, 203.0.113.7, 10.0.0.2", "203.0.113.7"),
        (1, "10.0.0.1", "", "10.0.0.1"),
    ],
)
def test_client_ip_trusts_only_the_configured_proxies(
    settings, proxies, remote, forwarded, expected
):
    settings.TRUSTED_PROXY_COUNT = proxies
    request = RequestFactory().get("/", REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded)
    assert ratelimit.client_ip(request) == expected


def test_wait_phrase():
    assert ratelimit.wait_phrase(1) == "in 1 second"
    assert ratelimit.wait_phrase(30) == "in 30 seconds"
    assert ratelimit.wait_phrase(900) == "in 15 minutes"
    assert ratelimit.wait_phrase(3600) == "in 60 minutes"
