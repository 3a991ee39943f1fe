"""core.cache: a failing cache is skipped for a few seconds, and an outage logs one warning a
minute however many calls fail (the real Redis outage: tests/faun/test_redis_outage.py)."""

from __future__ import annotations

import logging

import pytest

from core import cache as shared_cache
from core.cache import cache_call, cache_skipped


def down():
    raise ConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")


@pytest.fixture
def clock(monkeypatch):
    now = [1000.0]
    monkeypatch.setattr(shared_cache.time, "monotonic", lambda: now[0])
    return now


def warnings(caplog):
    return [r for r in caplog.records if r.name == "core.cache" and r.levelname == "WARNING"]


def test_a_failing_call_gives_the_default_and_the_cache_is_skipped_for_a_while(clock, caplog):
    calls = []

    def counted():
        calls.append(1)
        down()

    assert cache_call("test", counted, "default") == "default"
    assert cache_skipped()
    assert cache_call("test", counted, "default") == "default"
    assert len(calls) == 1  # the second call never reached the cache
    clock[0] += shared_cache.RETRY_SECONDS
    assert not cache_skipped()
    assert cache_call("test", lambda: "value", None) == "value"


def test_an_outage_logs_one_warning_a_minute(clock, caplog):
    caplog.set_level(logging.INFO, logger="core.cache")
    for _ in range(10):  # 50 s of calls, each past the pause, so each tries and fails
        clock[0] += shared_cache.RETRY_SECONDS
        cache_call("page cache read", down, None)
    assert len(warnings(caplog)) == 1
    assert "page cache read" in warnings(caplog)[0].getMessage()
    clock[0] += shared_cache.LOG_EVERY_SECONDS
    cache_call("page cache read", down, None)
    assert len(warnings(caplog)) == 2
    assert "10 failure(s) since the last warning" in warnings(caplog)[1].getMessage()
    clock[0] += shared_cache.RETRY_SECONDS
    cache_call("page cache read", lambda: None, None)
    assert "cache available again" in caplog.records[-1].getMessage()
