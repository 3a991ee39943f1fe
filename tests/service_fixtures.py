"""Fixtures that run real services next to the tests: an SMTP sink on loopback, Celery worker and
beat processes, and a private Redis server that a test may stop and start.

Tests using them are marked `worker` and/or `redis`: locally they are skipped when Redis is
missing, in CI they fail (tests/conftest.py). Every process is started in its own session and
killed in the fixture's finalizer, and every wait is bounded.

The worker is a separate process, so it cannot see an in-memory test database: use PostgreSQL
(or a SQLite file via DATABASE_TEST_NAME) and `@pytest.mark.django_db(transaction=True)`, so
that the test's rows are committed where the worker can read them.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent
REQUIRE_SERVICES = os.environ.get("CI", "").lower() in {"1", "true", "yes"} or os.environ.get(
    "FAUN_REQUIRE_SERVICES", ""
) in {"1", "true", "yes"}
START_TIMEOUT = 45.0


def _unavailable(reason: str) -> None:
    if REQUIRE_SERVICES:
        pytest.fail(f"required in CI but unavailable: {reason}", pytrace=False)
    pytest.skip(reason)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until(
    predicate: Callable[[], Any],
    *,
    timeout: float,
    interval: float = 0.1,
    what: str = "a condition",
    details: Callable[[], str] | None = None,
) -> Any:
    """Poll `predicate` until it returns something truthy; fail the test after `timeout` s,
    saying what it waited for and, from `details`, what the state was."""
    deadline = time.monotonic() + timeout
    while True:
        result = predicate()
        if result:
            return result
        if time.monotonic() > deadline:
            extra = f"\n{details()}" if details else ""
            pytest.fail(f"gave up waiting {timeout:.0f}s for {what}{extra}", pytrace=False)
        time.sleep(interval)


# --- SMTP sink --------------------------------------------------------------------------------


@dataclass
class SmtpSink:
    """What the sink saw. `delay` (seconds) holds each DATA command before the 250 reply, like a
    slow mail server; a client that disconnects meanwhile has its message dropped, not accepted,
    as a real server does when the connection ends before it has answered."""

    port: int
    delay: float = 0.0
    messages: list[Message] = field(default_factory=list)
    dropped: list[Message] = field(default_factory=list)
    data_started: threading.Event = field(default_factory=threading.Event)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def accepted(self) -> list[Message]:
        with self._lock:
            return list(self.messages)

    def wait_for(
        self, count: int, *, timeout: float, details: Callable[[], str] | None = None
    ) -> list[Message]:
        wait_until(
            lambda: len(self.accepted()) >= count,
            timeout=timeout,
            what=f"{count} message(s) at the SMTP sink",
            details=details,
        )
        return self.accepted()


class _SinkHandler:
    def __init__(self, sink: SmtpSink) -> None:
        self.sink = sink

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = message_from_bytes(envelope.content)
        self.sink.data_started.set()
        try:
            if self.sink.delay:
                await asyncio.sleep(self.sink.delay)
        except asyncio.CancelledError:  # aiosmtpd cancels the handler when the client is gone
            with self.sink._lock:
                self.sink.dropped.append(message)
            raise
        with self.sink._lock:
            self.sink.messages.append(message)
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_sink() -> Iterator[SmtpSink]:
    """An SMTP server on a free loopback port that keeps every message it accepts."""
    from aiosmtpd.controller import Controller

    sink = SmtpSink(port=free_port())
    controller = Controller(_SinkHandler(sink), hostname="127.0.0.1", port=sink.port)
    controller.start()
    try:
        yield sink
    finally:
        controller.stop()


# --- Celery processes -------------------------------------------------------------------------


@dataclass
class ServiceProcess:
    name: str
    process: subprocess.Popen[bytes]
    log_path: Path
    started_at: float

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def wait_for_log(self, text: str, *, timeout: float = START_TIMEOUT) -> None:
        def seen() -> bool:
            if self.process.poll() is not None:
                pytest.fail(f"{self.name} exited early:\n{self.log()[-4000:]}", pytrace=False)
            return text in self.log()

        wait_until(seen, timeout=timeout, interval=0.2, what=f"{text!r} in the {self.name} log")

    def kill(self) -> None:
        """SIGKILL the whole process group (worker and pool children): a crash, no clean-up."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.kill()


def database_url() -> str:
    """A DATABASE_URL for the database this test runs on (pytest-django's test database)."""
    db = connection.settings_dict
    if connection.vendor == "postgresql":
        auth = quote(db["USER"] or "", safe="")
        if db["PASSWORD"]:
            auth += ":" + quote(db["PASSWORD"], safe="")
        host = db["HOST"] or "127.0.0.1"
        return f"postgres://{auth}@{host}:{db['PORT'] or 5432}/{db['NAME']}"
    name = str(db["NAME"])
    if connection.vendor == "sqlite" and "memory" not in name:
        return f"sqlite:///{name}"
    _unavailable(
        "a worker process cannot open an in-memory test database: "
        "use DATABASE_URL=postgres://... (or DATABASE_TEST_NAME=<file> on SQLite)"
    )
    raise AssertionError("unreachable")


def service_env(*, redis_url: str, smtp_port: int | None, **extra: str) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("CELERY_", "EMAIL_", "OUTBOX_"))
        # The replicas' URLs name the real database, not this test's: processes started here
        # read the primary (tests/faun/test_replicas.py is where replicas are tested).
        and key not in {"CACHE_URL", "DATABASE_REPLICA_URLS"}
    }
    env.update(
        {
            "DJANGO_ENV": "test",
            "DJANGO_SETTINGS_MODULE": "faun.settings",
            "SECRET_KEY": settings.SECRET_KEY,
            "SITE_URL": settings.SITE_URL,
            "DEFAULT_FROM_EMAIL": settings.DEFAULT_FROM_EMAIL,
            "DATABASE_URL": database_url(),
            "DATABASE_POOL": "false",
            "REDIS_URL": redis_url,
            "PYTHONUNBUFFERED": "1",
            "FAUN_VAR_DIR": str(ROOT / "var"),
        }
    )
    if smtp_port is not None:
        env.update({"EMAIL_HOST": "127.0.0.1", "EMAIL_PORT": str(smtp_port)})
    env.update(extra)
    return env


@dataclass
class CeleryProcesses:
    tmp_path: Path
    started: list[ServiceProcess] = field(default_factory=list)

    def _start(self, name: str, args: list[str], env: dict[str, str]) -> ServiceProcess:
        log_path = self.tmp_path / f"{name}-{len(self.started)}.log"
        with log_path.open("wb") as log:
            process = subprocess.Popen(
                [sys.executable, "-m", "celery", "-A", "faun", *args],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group, so kill() reaches the children
            )
        service = ServiceProcess(name, process, log_path, time.monotonic())
        self.started.append(service)
        return service

    def worker(
        self,
        *,
        redis_url: str,
        smtp_port: int,
        wait_ready: bool = True,
        queues: str = "",
        **extra_env: str,
    ) -> ServiceProcess:
        """A worker with one prefork child (prefork, unlike solo, enforces time limits), on
        every queue or on `queues` (comma-separated names)."""
        worker = self._start(
            "worker",
            [
                "worker",
                *([f"--queues={queues}"] if queues else []),
                "--pool=prefork",
                "--concurrency=1",
                "--loglevel=INFO",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                f"--hostname=test-{uuid.uuid4().hex[:8]}@%h",
            ],
            service_env(redis_url=redis_url, smtp_port=smtp_port, **extra_env),
        )
        if wait_ready:
            worker.wait_for_log(" ready.")
        return worker

    def beat(self, *, redis_url: str, **extra_env: str) -> ServiceProcess:
        beat = self._start(
            "beat",
            [
                "beat",
                "--loglevel=INFO",
                f"--schedule={self.tmp_path / f'beat-schedule-{uuid.uuid4().hex[:8]}'}",
            ],
            service_env(redis_url=redis_url, smtp_port=None, **extra_env),
        )
        beat.wait_for_log("beat: Starting")
        return beat

    def logs(self) -> str:
        """The tail of every process's log, for failure messages."""
        return "\n".join(f"--- {p.name} ---\n{p.log()[-3000:]}" for p in self.started)

    def stop_all(self) -> None:
        for service in reversed(self.started):
            with suppress(ProcessLookupError, subprocess.TimeoutExpired):
                service.kill()


def _reset_broker_connections(app: Any) -> None:
    from kombu import pools

    pools.reset()  # closes and forgets every pooled broker connection of this process
    app._pool = None
    amqp = app.__dict__.get("amqp")
    if amqp is not None:
        amqp._producer_pool = None


@contextmanager
def web_broker(url: str) -> Iterator[None]:
    """Point this process's publishing (the web side) at another broker for a while."""
    from faun.celery import app

    previous = app.conf.broker_url
    app.conf.broker_url = url
    _reset_broker_connections(app)
    try:
        yield
    finally:
        app.conf.broker_url = previous
        _reset_broker_connections(app)


@pytest.fixture
def live_broker(settings: Any) -> Iterator[str]:
    """Tasks published from the test go to the real Redis (REDIS_URL) instead of running eagerly.
    The Redis database of REDIS_URL is flushed first: use one reserved for tests."""
    import redis

    from faun.celery import app

    if not settings.REDIS_URL:
        _unavailable("REDIS_URL is not set")
    redis.Redis.from_url(settings.REDIS_URL).flushdb()
    app.conf.task_always_eager = False
    _reset_broker_connections(app)
    try:
        yield settings.REDIS_URL
    finally:
        app.conf.task_always_eager = True
        _reset_broker_connections(app)


@pytest.fixture
def celery_processes(transactional_db: None, tmp_path: Path) -> Iterator[CeleryProcesses]:
    """Starts Celery worker and beat processes on demand; all are killed at the end, before the
    test database is flushed (hence the dependency on transactional_db)."""
    processes = CeleryProcesses(tmp_path)
    try:
        yield processes
    finally:
        processes.stop_all()


# --- A private Redis server -------------------------------------------------------------------


@dataclass
class RedisServer:
    port: int
    data_dir: Path
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        binary = shutil.which("redis-server")
        assert binary is not None
        self.process = subprocess.Popen(
            [
                binary,
                "--bind",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.data_dir),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        wait_until(self.answers, timeout=15, what="the private Redis to answer")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
        self.process = None

    def answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    """A Redis server of the test's own on a free port, which the test may stop and start: an
    outage that affects nobody else."""
    if shutil.which("redis-server") is None:
        _unavailable("redis-server is not installed")
    data_dir = tmp_path / "redis"
    data_dir.mkdir()
    server = RedisServer(port=free_port(), data_dir=data_dir)
    server.start()
    try:
        yield server
    finally:
        server.stop()
