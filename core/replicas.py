"""Reads from PostgreSQL streaming replicas (docs/operations.md#read-replicas).

Only a request that opted in reads from a replica: faun.middleware.ReplicaRoutingMiddleware opens
`replica_reads(eligible=...)` around each request, eligible for a GET or HEAD without a session
cookie, an Authorization header or the "just wrote" pin cookie. Everything else (other requests,
Celery tasks, management commands, the shell) has no routing state and reads the primary.

Within an eligible request, ReplicaRouter picks one replica at the first read (round robin over
the usable ones) and keeps it for the request. It reads the primary instead once the request has
written (db_for_write was asked) and while the primary is inside a transaction, so a service's
read-then-write sees its own rows.

A replica is usable while its last check, at most DATABASE_REPLICA_CHECK_SECONDS old in this
process, found it answering and no more than DATABASE_REPLICA_MAX_LAG_SECONDS behind, and while
it can be connected to. A replica that fails either is skipped until the next check, with a
warning logged at most once per LOG_EVERY_SECONDS; when none is usable the request reads the
primary. A replica that dies in the middle of a query fails that request; the next ones skip it.
"""

from __future__ import annotations

import itertools
import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, InterfaceError, OperationalError, connections

logger = logging.getLogger(__name__)

LOG_EVERY_SECONDS = 60.0

# The standard idiom: no lag while the replica has replayed all it received (an idle primary
# writes no new transactions, so the last replayed one ages without the replica falling behind),
# else the age of the last transaction it replayed. NULL when it is not streaming.
LAG_SQL = (
    "SELECT pg_is_in_recovery(), CASE WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() "
    "THEN 0 ELSE EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()) END"
)

# The cookie that keeps a visitor who just wrote on the primary (its value: until when, in Unix
# seconds). Not signed: forging it only sends the sender's own reads to the primary, as being
# logged in does.
PIN_COOKIE = "faun_primary"


@dataclass(frozen=True)
class ReplicaState:
    """What a check of one replica found. `status` is "ok", "lagging" (further behind than
    DATABASE_REPLICA_MAX_LAG_SECONDS), "lag unknown" (not streaming), "not in recovery" (a
    primary, not a replica), or "unavailable: <error type>"."""

    alias: str
    status: str
    lag_seconds: float | None
    checked_at: float

    @property
    def usable(self) -> bool:
        return self.status == "ok"


@dataclass
class _Log:
    logged_at: float | None = None
    unlogged: int = 0


@dataclass
class RequestRouting:
    """One request's routing: whether it may read a replica, which one it picked ("default" when
    none was usable), and whether it wrote."""

    eligible: bool
    alias: str | None = None
    wrote: bool = False
    # The replica this request was reading failed under it (replica_failed).
    failed: bool = False


_current: ContextVar[RequestRouting | None] = ContextVar("faun_replica_routing", default=None)
_states: dict[str, ReplicaState] = {}
_logs: dict[str, _Log] = {}
_lock = threading.Lock()
_rotation = itertools.count()


@contextmanager
def replica_reads(*, eligible: bool) -> Iterator[RequestRouting]:
    """The routing state of one request; reads may go to a replica only if `eligible`."""
    routing = RequestRouting(eligible=eligible)
    token = _current.set(routing)
    try:
        yield routing
    finally:
        _current.reset(token)


@contextmanager
def primary_reads() -> Iterator[None]:
    """Read the primary inside the block, whatever the request allows (an eager Celery task run
    within a request reads what a worker would)."""
    token = _current.set(None)
    try:
        yield
    finally:
        _current.reset(token)


def pinned(cookie: str | None, *, now: float | None = None) -> bool:
    """Whether a pin cookie's value (a Unix time) is still in the future."""
    if not cookie:
        return False
    try:
        until = float(cookie)
    except ValueError:
        return False
    return until > (time.time() if now is None else now)


def replica_check(alias: str) -> ReplicaState:
    """Check a replica now (lag query on its own connection), remember the result for this
    process and return it. Never raises: a failure is the state "unavailable: <error>"."""
    connection = connections[alias]
    try:
        with connection.cursor() as cursor:
            cursor.execute(LAG_SQL)
            in_recovery, lag = cursor.fetchone()
    except Exception as exc:  # any failure (refused, timed out, pool empty) means "skip it"
        with suppress(Exception):
            connection.close()
        return _record(alias, f"unavailable: {type(exc).__name__}", None, error=exc)
    lag = None if lag is None else float(lag)
    if not in_recovery:
        status = "not in recovery"
    elif lag is None:
        status = "lag unknown"
    elif lag > settings.DATABASE_REPLICA_MAX_LAG_SECONDS:
        status = "lagging"
    else:
        status = "ok"
    return _record(alias, status, lag)


def replica_failed(exc: BaseException) -> bool:
    """Called with an exception that ended a view: when it is a database error of the replica
    this request was reading (it went away mid-request), skip that replica until its next check
    and say so, so the request can be answered again from the primary (ReplicaRoutingMiddleware).
    """
    routing = _current.get()
    if (
        routing is None
        or routing.alias in (None, DEFAULT_DB_ALIAS)
        or routing.wrote
        or not isinstance(exc, (OperationalError, InterfaceError))
    ):
        return False
    alias = str(routing.alias)
    with suppress(Exception):
        connections[alias].close()
    _record(alias, f"unavailable: {type(exc).__name__}", None, error=exc)
    routing.failed = True
    return True


def replica_states() -> dict[str, ReplicaState]:
    """The last check of each replica in this process (for tests and diagnostics)."""
    with _lock:
        return dict(_states)


def replica_states_reset() -> None:
    """Forget every check (for tests, which share one process)."""
    with _lock:
        _states.clear()
        _logs.clear()


def _record(
    alias: str, status: str, lag: float | None, *, error: BaseException | None = None
) -> ReplicaState:
    now = time.monotonic()
    state = ReplicaState(alias=alias, status=status, lag_seconds=lag, checked_at=now)
    with _lock:
        previous = _states.get(alias)
        _states[alias] = state
        log = _logs.setdefault(alias, _Log())
        if state.usable:
            back = previous is not None and not previous.usable
            log.logged_at, log.unlogged = None, 0
        else:
            back = False
            log.unlogged += 1
            if log.logged_at is not None and now - log.logged_at < LOG_EVERY_SECONDS:
                return state
            failures, log.unlogged, log.logged_at = log.unlogged, 0, now
    if back:
        logger.info("replica %s usable again (lag %s s)", alias, lag)
    elif not state.usable:
        logger.warning(
            "replica %s skipped, reading from the primary: %s%s%s; %d failed check(s) since the "
            "last warning",
            alias,
            status,
            f" ({lag:.1f} s behind)" if lag is not None else "",
            f" ({' '.join(str(error).split())})" if error is not None else "",
            failures,
        )
    return state


def _usable(alias: str) -> bool:
    """Whether this request may read `alias`: its last check is fresh and good (else it is
    checked now), and a connection to it opens."""
    state = _states.get(alias)
    if (
        state is None
        or time.monotonic() - state.checked_at >= settings.DATABASE_REPLICA_CHECK_SECONDS
    ):
        return replica_check(alias).usable  # the check opened the connection
    if not state.usable:
        return False
    connection = connections[alias]
    if connection.connection is not None:
        return True
    try:
        connection.ensure_connection()
    except Exception as exc:  # it went away since its last check: skip it now
        with suppress(Exception):
            connection.close()
        _record(alias, f"unavailable: {type(exc).__name__}", None, error=exc)
        return False
    return True


def _pick(replicas: list[str]) -> str:
    start = next(_rotation)
    for offset in range(len(replicas)):
        alias = replicas[(start + offset) % len(replicas)]
        if _usable(alias):
            return alias
    return DEFAULT_DB_ALIAS


class ReplicaRouter:
    """DATABASE_ROUTERS entry: writes and migrations on the primary; reads of an eligible request
    on one replica (see the module's docstring)."""

    def db_for_read(self, model: type[Any], **hints: Any) -> str:
        routing = _current.get()
        if (
            routing is None
            or not routing.eligible
            or routing.wrote
            or not settings.DATABASE_REPLICAS
            or connections[DEFAULT_DB_ALIAS].in_atomic_block
        ):
            return DEFAULT_DB_ALIAS
        if routing.alias is None:
            routing.alias = _pick(settings.DATABASE_REPLICAS)
        return routing.alias

    def db_for_write(self, model: type[Any], **hints: Any) -> str:
        routing = _current.get()
        if routing is not None:
            routing.wrote = True
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool | None:
        # Every alias is the same data (the primary or a copy of it).
        aliases = set(settings.DATABASES)
        return True if {obj1._state.db, obj2._state.db} <= aliases else None

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool:
        return db == DEFAULT_DB_ALIAS
