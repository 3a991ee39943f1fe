"""Newsletter run benchmark: N subscribers, one digest run into an SMTP sink on loopback through
the real code path, beside a plain smtplib loop sending the same messages.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/faun_bench_news \\
        .venv/bin/python bench/newsletter.py --subscribers 100000

What it does, in one process (the sink runs in a child process so it does not share the
measured memory):

1. creates a channel, its newsletter, one post in the issue's window and N active subscriptions
   (bulk inserts of 5,000 rows);
2. runs `accounts.tasks.digests_run` with Celery tasks executed eagerly in this process: the run
   builds the issue, fans out batch tasks of NEWSLETTER_BATCH_SIZE subscribers (one selection
   query each), each batch writes its Delivery and outbox rows in one transaction and then
   `email_deliver_batch` sends them over one SMTP connection per NEWSLETTER_SEND_BATCH emails,
   claiming and marking each row as a worker does. With real workers the batches run in
   parallel; eager, they run one after another, so this is the one-worker figure;
3. sends the same messages again (the outbox rows, streamed from the database) with a plain
   smtplib loop over one connection: no claiming, no bookkeeping;
4. prints subscribers, emails/s for both, their ratio and the peak memory (max RSS) of the run.

The data is removed afterwards (`--keep` keeps it). Use a database of its own: the run sends to
every due subscriber of every newsletter in it.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import resource
import smtplib
import socket
import sys
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "faun.settings")


@dataclass
class Result:
    subscribers: int
    run_seconds: float
    run_sent: int
    plain_seconds: float
    plain_sent: int
    peak_rss_mb: float
    rss_growth_mb: float

    @property
    def run_rate(self) -> float:
        return self.run_sent / self.run_seconds if self.run_seconds else 0.0

    @property
    def plain_rate(self) -> float:
        return self.plain_sent / self.plain_seconds if self.plain_seconds else 0.0

    def report(self) -> str:
        ratio = self.run_rate / self.plain_rate if self.plain_rate else 0.0
        return "\n".join(
            [
                f"subscribers:           {self.subscribers:,}",
                f"digest run (real path): {self.run_sent:,} emails in {self.run_seconds:.1f} s "
                f"= {self.run_rate:,.0f} emails/s",
                f"plain smtplib loop:    {self.plain_sent:,} emails in {self.plain_seconds:.1f} s "
                f"= {self.plain_rate:,.0f} emails/s",
                f"ratio run / plain:     {ratio:.2f}",
                f"peak memory (max RSS): {self.peak_rss_mb:,.0f} MB "
                f"(+{self.rss_growth_mb:,.0f} MB during the run)",
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


def run_benchmark(*, subscribers: int, keep: bool = False, quiet: bool = False) -> Result:
    """Set up, run, compare and clean up; Django must be set up by the caller."""
    from django.conf import settings
    from django.utils import timezone

    from accounts.models import Newsletter, OutboundEmail, Subscription
    from accounts.services import email_message
    from accounts.tasks import digests_run
    from faun.celery import app
    from posts.models import Channel, Post
    from posts.services import post_create

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
    app.conf.task_always_eager = True
    channel = None
    try:
        now = timezone.now()
        Channel.objects.filter(handle="benchnews").delete()
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
            title="A benchmark post with a TL;DR",
            url="https://bench.example.com/newsletter",
            tldr=["One line of summary.", "Another line of summary."],
            body="",
            channel=channel,
            tags=[],
            published_at=slot - timedelta(hours=1),
        )
        Post.objects.filter(pk=post.pk).update(score=3)
        started = time.monotonic()
        confirmed = slot - timedelta(days=1)
        for start in range(0, subscribers, 5000):
            Subscription.objects.bulk_create(
                [
                    Subscription(
                        newsletter=newsletter,
                        email=f"reader{i}@bench.example.com",
                        status="active",
                        confirmed_at=confirmed,
                    )
                    for i in range(start, min(start + 5000, subscribers))
                ]
            )
        say(f"created {subscribers:,} subscribers in {time.monotonic() - started:.1f} s")

        rss_before = _max_rss_mb()
        started = time.monotonic()
        digests_run.apply()
        run_seconds = time.monotonic() - started
        run_sent = int(counter.value)
        peak = _max_rss_mb()
        say(f"digest run: {run_sent:,} accepted by the sink in {run_seconds:.1f} s")

        # The same messages, streamed from the outbox, through one plain smtplib connection.
        rows = OutboundEmail.objects.filter(
            dedupe_key__startswith=f"newsletter:{newsletter.pk}:"
        ).order_by("pk")
        started = time.monotonic()
        with smtplib.SMTP("127.0.0.1", port, timeout=10) as smtp:
            for email in rows.iterator(chunk_size=2000):
                message = email_message(email=email).message()
                smtp.sendmail(
                    settings.DEFAULT_FROM_EMAIL, [email.to], message.as_bytes(linesep="\r\n")
                )
        plain_seconds = time.monotonic() - started
        plain_sent = int(counter.value) - run_sent
        return Result(
            subscribers=subscribers,
            run_seconds=run_seconds,
            run_sent=run_sent,
            plain_seconds=plain_seconds,
            plain_sent=plain_sent,
            peak_rss_mb=peak,
            rss_growth_mb=peak - rss_before,
        )
    finally:
        app.conf.task_always_eager = eager
        for name, value in saved.items():
            setattr(settings, name, value)
        sink.kill()
        sink.join(10)
        if channel is not None and not keep:
            OutboundEmail.objects.filter(dedupe_key__startswith="newsletter:").filter(
                to__endswith="@bench.example.com"
            ).delete()
            channel.delete()  # newsletter, subscriptions, issues and deliveries go with it


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--subscribers", type=int, default=100_000)
    parser.add_argument("--keep", action="store_true", help="keep the generated rows")
    args = parser.parse_args()
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    print(run_benchmark(subscribers=args.subscribers, keep=args.keep).report())


if __name__ == "__main__":
    main()
