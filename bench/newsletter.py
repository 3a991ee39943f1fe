"""Newsletter run benchmark: N subscribers, one digest run by real Celery workers into an SMTP
sink on loopback, beside a plain smtplib loop sending the same messages.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/faun_bench_news \\
    REDIS_URL=redis://127.0.0.1:6379/0 .venv/bin/python bench/newsletter.py --subscribers 100000

What it does:

1. creates a channel, its newsletter, one post in the issue's window and N active subscriptions
   (bulk inserts of 5,000 rows);
2. starts `--workers` Celery worker processes (default 2, one pool process each, on production
   settings as docs/operations.md runs them) on a queue of their own in REDIS_URL's Redis,
   with the sink as their mail server, and publishes `newsletters.tasks.digests_run` to them: the
   run builds the issue and fans out batch tasks of NEWSLETTER_BATCH_SIZE subscribers (one
   selection query each); each batch writes its Delivery and outbox rows in one transaction,
   then `email_deliver_batch` tasks send them over one SMTP connection per
   OUTBOX_SEND_BATCH emails, claiming and marking each row. The clock runs from the publish
   to the sink's last accepted message. `--workers 0` runs the same tasks eagerly in this
   process instead (no Redis needed: the one-process figure);
3. sends the same messages again (the outbox rows, read back in pages of 2,000) with a plain
   smtplib loop over one connection in this process: no claiming, no bookkeeping; its clock
   counts building and sending the messages, not reading the pages;
4. prints subscribers, emails/s for both, their ratio and the peak memory (max RSS) of each
   process that ran the digest.

The sink runs in a child process, so it shares no measured memory. The data is removed
afterwards (`--keep` keeps it). Use a database of its own: the run sends to every due subscriber
of every newsletter in it.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import resource
import signal
import smtplib
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "faun.settings")


@dataclass
class Result:
    subscribers: int
    workers: int
    run_seconds: float
    run_sent: int
    plain_seconds: float
    plain_sent: int
    # Peak RSS (MB) of each process that ran the digest: "bench" in-process, else the workers'.
    peak_rss_mb: dict[str, float] = field(default_factory=dict)

    @property
    def run_rate(self) -> float:
        return self.run_sent / self.run_seconds if self.run_seconds else 0.0

    @property
    def plain_rate(self) -> float:
        return self.plain_sent / self.plain_seconds if self.plain_seconds else 0.0

    @property
    def ratio(self) -> float:
        return self.run_rate / self.plain_rate if self.plain_rate else 0.0

    def report(self) -> str:
        how = f"{self.workers} Celery workers" if self.workers else "tasks run in-process"
        memory = ", ".join(f"{name} {mb:,.0f} MB" for name, mb in self.peak_rss_mb.items())
        return "\n".join(
            [
                f"subscribers:            {self.subscribers:,}",
                f"digest run ({how}): {self.run_sent:,} emails in {self.run_seconds:.1f} s "
                f"= {self.run_rate:,.0f} emails/s",
                f"plain smtplib loop:     {self.plain_sent:,} emails in {self.plain_seconds:.1f} s "
                f"= {self.plain_rate:,.0f} emails/s",
                f"ratio run / plain:      {self.ratio:.2f}",
                f"peak memory (max RSS):  {memory}",
            ]
        )


def _max_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: kilobytes


def _sink(port: int, counter: Any, ready: Any) -> None:
    """An SMTP server that counts what it accepts and keeps nothing."""
    from aiosmtpd.controller import Controller

    class Handler:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            with counter.get_lock():
                counter.value += 1
            return "250 OK"

    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    ready.set()
    try:
        while True:
            time.sleep(3600)
    finally:
        controller.stop()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _database_url() -> str:
    from django.db import connection

    db = connection.settings_dict
    if connection.vendor != "postgresql":
        raise SystemExit("Celery workers need a database they can share: set DATABASE_URL.")
    auth = quote(db["USER"] or "", safe="")
    if db["PASSWORD"]:
        auth += ":" + quote(db["PASSWORD"], safe="")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def _vm_hwm_mb(pid: int) -> float:
    """A live process's peak RSS (VmHWM), in MB; 0 when it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def _process_tree(pid: int) -> list[int]:
    """`pid` and its descendants (a worker and its pool process)."""
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        try:
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except OSError:
            continue
        todo.extend(int(child) for child in children)
    return found


@dataclass
class Workers:
    processes: list[subprocess.Popen[bytes]]
    logs: list[Path]

    def peak_rss_mb(self) -> dict[str, float]:
        """Per worker, the largest peak RSS among its processes (main and pool process)."""
        return {
            f"worker {number}": max(_vm_hwm_mb(pid) for pid in _process_tree(process.pid))
            for number, process in enumerate(self.processes, 1)
        }

    def check_alive(self) -> None:
        for process, log in zip(self.processes, self.logs, strict=True):
            if process.poll() is not None:
                raise RuntimeError(f"a worker exited:\n{log.read_text(errors='replace')[-3000:]}")

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        for log in self.logs:
            while " ready." not in log.read_text(errors="replace"):
                self.check_alive()
                if time.monotonic() > deadline:
                    raise RuntimeError(f"a worker did not start:\n{log.read_text()[-3000:]}")
                time.sleep(0.2)


@contextmanager
def celery_workers(
    *, count: int, queue: str, broker_url: str, smtp_port: int, log_dir: Path
) -> Iterator[Workers]:
    """`count` worker processes with one pool process each, reading only the queues named after
    `queue` (`queue`, `queue`-email, -previews, -newsletters), sending mail
    to the sink on `smtp_port`; killed (with their pool processes) on exit."""
    from django.conf import settings

    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("CELERY_", "EMAIL_")) and key != "CACHE_URL"
    }
    env.update(
        {
            # As docs/operations.md runs workers: production settings, DEBUG off, no psycopg
            # pool (Celery's prefork pool closes it after every task: it would only cost).
            "DJANGO_ENV": "production",
            "DEBUG": "false",
            "SECRET_KEY": settings.SECRET_KEY,
            "ALLOWED_HOSTS": "127.0.0.1",
            "SITE_URL": settings.SITE_URL,
            "DEFAULT_FROM_EMAIL": settings.DEFAULT_FROM_EMAIL,
            "DATABASE_URL": _database_url(),
            "DATABASE_POOL": "false",
            # The benchmark measures one server; replica URLs would name other databases.
            "DATABASE_REPLICA_URLS": "",
            "REDIS_URL": broker_url,
            "CELERY_BROKER_URL": broker_url,
            "CELERY_TASK_DEFAULT_QUEUE": queue,
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(smtp_port),
            # INFO: the worker's "ready." line, which wait_ready looks for, is an INFO record
            # (workers log through the site's LOGGING: docs/operations.md#logs).
            "LOG_LEVEL": "INFO",
            "PYTHONUNBUFFERED": "1",
        }
    )
    processes, logs = [], []
    try:
        for number in range(1, count + 1):
            log = log_dir / f"worker-{number}.log"
            with log.open("wb") as out:
                processes.append(
                    subprocess.Popen(
                        [
                            *(sys.executable, "-m", "celery", "-A", "faun", "worker"),
                            *("--pool=prefork", "--concurrency=1"),
                            *("--without-gossip", "--without-mingle", "--without-heartbeat"),
                            # No -Q: the worker reads every queue its settings declare, all
                            # named after CELERY_TASK_DEFAULT_QUEUE (docs/operations.md#queues).
                            f"--hostname=bench{number}-{queue}@%h",
                        ],
                        cwd=ROOT,
                        env=env,
                        stdout=out,
                        stderr=subprocess.STDOUT,
                        start_new_session=True,
                    )
                )
            logs.append(log)
        workers = Workers(processes, logs)
        workers.wait_ready()
        yield workers
    finally:
        for process in processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


def _remove_bench_rows() -> None:
    """What an earlier run (or `--keep`) left: the channel with its post, newsletter,
    subscriptions, issues and deliveries, and the outbox rows sent to the benchmark's
    addresses."""
    from outbox.models import OutboundEmail
    from posts.models import Channel, Post

    OutboundEmail.objects.filter(
        dedupe_key__startswith="newsletter:", to__endswith="@bench.example.com"
    ).delete()
    Post.objects.filter(channel__handle="benchnews").delete()
    Channel.objects.filter(handle="benchnews").delete()


def _create_subscribers(*, count: int, quiet: bool) -> Any:
    """The channel, its daily newsletter due now, one post for the issue and `count` active
    subscriptions. Returns the channel."""
    from django.utils import timezone

    from newsletters.models import Newsletter, Subscription
    from posts.models import Channel, Post
    from posts.services.content import PostContent
    from posts.services.core import post_create

    now = timezone.now()
    _remove_bench_rows()
    channel = Channel.objects.create(
        handle="benchnews", name="Bench News", newsletter_name="Bench News Weekly"
    )
    newsletter = Newsletter.objects.create(
        channel=channel,
        name="Bench News Daily",
        cadence="daily",
        hour=now.hour,
        created_at=now - timedelta(days=30),
    )
    slot = now.replace(minute=0, second=0, microsecond=0)
    post = post_create(
        author=None,
        content=PostContent(
            title="A benchmark post with a TL;DR",
            url="https://bench.example.com/newsletter",
            tldr=("One line of summary.", "Another line of summary."),
            channel=channel,
        ),
        published_at=slot - timedelta(hours=1),
    )
    Post.objects.filter(pk=post.pk).update(score=3)
    started = time.monotonic()
    confirmed = slot - timedelta(days=1)
    for start in range(0, count, 5000):
        Subscription.objects.bulk_create(
            [
                Subscription(
                    newsletter=newsletter,
                    email=f"reader{i}@bench.example.com",
                    status="active",
                    confirmed_at=confirmed,
                )
                for i in range(start, min(start + 5000, count))
            ]
        )
    if not quiet:
        print(f"created {count:,} subscribers in {time.monotonic() - started:.1f} s", flush=True)
    return channel


def _wait_for(counter: Any, count: int, *, timeout: float, workers: Workers | None) -> None:
    deadline = time.monotonic() + timeout
    while counter.value < count:
        if workers is not None:
            workers.check_alive()
        if time.monotonic() > deadline:
            raise RuntimeError(f"only {counter.value:,} of {count:,} emails after {timeout:.0f} s")
        time.sleep(0.05)


def _plain_loop(*, port: int) -> float:
    """Send the run's messages again (read back from the outbox in keyset pages) over one plain
    smtplib connection. Returns the seconds spent building and sending them; reading the rows
    is not counted, as the run's workers do their own reading inside their time."""
    from django.conf import settings

    from outbox.delivery import email_message
    from outbox.models import OutboundEmail

    rows = OutboundEmail.objects.filter(
        dedupe_key__startswith="newsletter:", to__endswith="@bench.example.com"
    ).order_by("pk")
    seconds, last = 0.0, 0
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as smtp:
        while page := list(rows.filter(pk__gt=last)[:2000]):
            started = time.monotonic()
            for email in page:
                message = email_message(email=email).message()
                smtp.sendmail(
                    settings.DEFAULT_FROM_EMAIL, [email.to], message.as_bytes(linesep="\r\n")
                )
            seconds += time.monotonic() - started
            last = page[-1].pk
    return seconds


def run_benchmark(
    *,
    subscribers: int,
    workers: int = 2,
    keep: bool = False,
    quiet: bool = False,
) -> Result:
    """Set up, run, compare and clean up; Django must be set up by the caller. The workers use
    this process's broker (REDIS_URL), on a queue of their own."""
    from django.conf import settings

    from faun.celery import app
    from newsletters.tasks import digests_run

    def say(text: str) -> None:
        if not quiet:
            print(text, flush=True)

    port = _free_port()
    counter = multiprocessing.Value("q", 0)
    ready = multiprocessing.Event()
    sink = multiprocessing.get_context("fork").Process(
        target=_sink, args=(port, counter, ready), daemon=True
    )
    sink.start()
    ready.wait(30)
    saved = {
        name: getattr(settings, name, None)
        for name in ("EMAIL_BACKEND", "EMAIL_HOST", "EMAIL_PORT", "EMAIL_TIMEOUT", "EMAIL_USE_TLS")
    }
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_TIMEOUT, settings.EMAIL_USE_TLS = 10, False
    eager = app.conf.task_always_eager
    channel = None
    timeout = 120 + subscribers / 10  # far beyond the slowest run seen (180 emails/s)
    try:
        channel = _create_subscribers(count=subscribers, quiet=quiet)
        if workers:
            broker = app.conf.broker_url
            if not broker or broker.startswith("memory"):
                raise SystemExit("Celery workers need a broker: set REDIS_URL (or --workers 0).")
            queue = f"bench-{uuid.uuid4().hex[:8]}"
            with (
                tempfile.TemporaryDirectory() as log_dir,
                celery_workers(
                    count=workers,
                    queue=queue,
                    broker_url=broker,
                    smtp_port=port,
                    log_dir=Path(log_dir),
                ) as pool,
            ):
                app.conf.task_always_eager = False
                started = time.monotonic()
                digests_run.apply_async(queue=queue)
                _wait_for(counter, subscribers, timeout=timeout, workers=pool)
                run_seconds = time.monotonic() - started
                peak = pool.peak_rss_mb()
        else:
            app.conf.task_always_eager = True
            started = time.monotonic()
            digests_run.apply()
            _wait_for(counter, subscribers, timeout=timeout, workers=None)
            run_seconds = time.monotonic() - started
            peak = {"bench": _max_rss_mb()}
        run_sent = int(counter.value)
        say(f"digest run: {run_sent:,} accepted by the sink in {run_seconds:.1f} s")

        plain_seconds = _plain_loop(port=port)
        return Result(
            subscribers=subscribers,
            workers=workers,
            run_seconds=run_seconds,
            run_sent=run_sent,
            plain_seconds=plain_seconds,
            plain_sent=int(counter.value) - run_sent,
            peak_rss_mb=peak,
        )
    finally:
        app.conf.task_always_eager = eager
        for name, value in saved.items():
            setattr(settings, name, value)
        sink.kill()
        sink.join(10)
        if channel is not None and not keep:
            _remove_bench_rows()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--subscribers", type=int, default=100_000)
    parser.add_argument(
        "--workers", type=int, default=2, help="Celery worker processes (0: run in-process)"
    )
    parser.add_argument("--keep", action="store_true", help="keep the generated rows")
    args = parser.parse_args()
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    result = run_benchmark(subscribers=args.subscribers, workers=args.workers, keep=args.keep)
    print(result.report())


if __name__ == "__main__":
    main()
