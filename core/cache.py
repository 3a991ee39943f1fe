"""The shared cache (Redis in production) speeds the site up but is never needed to serve it:
when a cache call fails, the caller carries on without the cache
(docs/operations.md#when-redis-is-down).

After a failure this process leaves the cache alone for RETRY_SECONDS, so an outage costs one
failed call per process every few seconds instead of one per cache call (a Redis that does not
answer at all would otherwise hold every request for the socket timeout). The warning is logged
at most once per LOG_EVERY_SECONDS, with the number of failures it stands for, so an outage does
not flood the logs; the first success afterwards logs that the cache is back.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from django.core.cache import cache

logger = logging.getLogger(__name__)

RETRY_SECONDS = 5.0
LOG_EVERY_SECONDS = 60.0
HEALTH_KEY = "healthz:probe"

T = TypeVar("T")


@dataclass
class _Outage:
    """This process's view of the cache: off until `down_until` (a monotonic time)."""

    down_until: float = 0.0
    failing: bool = False
    logged_at: float | None = None
    unlogged: int = 0


_state = _Outage()
_lock = threading.Lock()


def cache_skipped() -> bool:
    """True while a recent failure keeps this process off the cache."""
    return time.monotonic() < _state.down_until


def cache_failed(*, where: str, exc: BaseException) -> None:
    """Record a failed cache call: stay off the cache for RETRY_SECONDS, and log a warning unless
    one was logged less than LOG_EVERY_SECONDS ago (the next one counts the failures between)."""
    now = time.monotonic()
    with _lock:
        _state.down_until = now + RETRY_SECONDS
        _state.failing = True
        _state.unlogged += 1
        if _state.logged_at is not None and now - _state.logged_at < LOG_EVERY_SECONDS:
            return
        failures, _state.unlogged, _state.logged_at = _state.unlogged, 0, now
    logger.warning(
        "cache unavailable, serving without it (%s: %s: %s); %d failure(s) since the last "
        "warning, next try in %.0f s",
        where,
        type(exc).__name__,
        exc,
        failures,
        RETRY_SECONDS,
    )


def cache_succeeded() -> None:
    """Record a cache call that worked: after an outage, log once that the cache is back."""
    if not _state.failing:  # the common case, without taking the lock
        return
    with _lock:
        if not _state.failing:
            return
        failures = _state.unlogged
        _state.failing, _state.down_until, _state.unlogged = False, 0.0, 0
    logger.info("cache available again (%d failure(s) since the last warning)", failures)


def cache_call(where: str, call: Callable[[], T], default: T) -> T:
    """`call()`, a use of the cache, or `default` while the cache is off or when the call fails.

    Any exception counts as a cache failure: the backends raise their own (redis-py's
    ConnectionError and TimeoutError are not the built-in ones)."""
    if cache_skipped():
        return default
    try:
        result = call()
    except Exception as exc:
        cache_failed(where=where, exc=exc)
        return default
    cache_succeeded()
    return result


def cache_probe() -> bool:
    """Whether the cache answers now, asked directly even while this process keeps off it (for
    /healthz); a success ends the outage for this process."""
    try:
        cache.get(HEALTH_KEY)
    except Exception as exc:
        cache_failed(where="health check", exc=exc)
        return False
    cache_succeeded()
    return True


def cache_outage_reset() -> None:
    """Forget any outage (for tests, which share one process)."""
    with _lock:
        _state.down_until, _state.failing, _state.logged_at, _state.unlogged = 0.0, False, None, 0
