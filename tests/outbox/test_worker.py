"""Real Celery processes against the real Redis and an SMTP sink on loopback.

A sign-up's verification email arrives through a worker; a worker killed with SIGKILL in the
middle of sending still delivers the email exactly once after a new worker starts; a Redis outage
at sign-up time still ends in exactly one delivery once Redis is back (the beat sweep).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from email.message import Message
from urllib.parse import urlparse

import pytest
from django.conf import settings
from django.test import override_settings
from django.urls import reverse

from accounts.models import User
from outbox.models import OutboundEmail
from tests.service_fixtures import wait_until, web_broker

pytestmark = [pytest.mark.worker, pytest.mark.redis, pytest.mark.django_db(transaction=True)]

PASSWORD = "violet-anchor-kettle-42"
# Fast clocks for the sweep so the fault tests take seconds, with the same rules as production:
# a row is freed only once it has been "sending" longer than the send task's hard time limit.
FAST_SWEEP = {
    "OUTBOX_SWEEP_EVERY_SECONDS": "1",
    "OUTBOX_PENDING_GRACE_SECONDS": "2",
    "OUTBOX_SEND_TIME_LIMIT": "10",
    "OUTBOX_STUCK_AFTER_SECONDS": "12",
}


def sign_up(client, username: str = "ada_l", email: str = "ada@example.com", **extra: str):
    return client.post(
        reverse("accounts:signup"),
        {"username": username, "email": email, "password1": PASSWORD, "password2": PASSWORD},
        **extra,
    )


def state(celery_processes) -> Callable[[], str]:
    def describe() -> str:
        rows = list(OutboundEmail.objects.values("id", "status", "attempts", "last_error"))
        return f"outbox: {rows}\n{celery_processes.logs()}"

    return describe


def sent(email_id: int) -> bool:
    return OutboundEmail.objects.filter(pk=email_id, status="sent").exists()


def parts(message: Message) -> dict[str, str]:
    return {
        part.get_content_type(): part.get_payload(decode=True).decode()
        for part in message.walk()
        if not part.is_multipart()
    }


def test_signup_email_is_delivered_by_a_real_worker(
    client, live_broker, smtp_sink, celery_processes
):
    celery_processes.worker(redis_url=live_broker, smtp_port=smtp_sink.port)

    response = sign_up(client)

    assert response.status_code == 302
    [message] = smtp_sink.wait_for(1, timeout=30, details=state(celery_processes))
    email = OutboundEmail.objects.get()
    assert message["Message-ID"] == email.message_id
    assert message["To"] == "ada@example.com"
    assert message["From"] == settings.DEFAULT_FROM_EMAIL
    assert message["Subject"] == "Confirm your email address for faun"
    body = parts(message)
    link = re.search(r"https?://\S+/verify/\S+/", body["text/plain"]).group(0)
    assert link in body["text/html"]
    wait_until(
        lambda: sent(email.pk),
        timeout=10,
        what="the row marked sent",
        details=state(celery_processes),
    )

    # The link from the delivered email verifies the address and logs the visitor in.
    response = client.get(urlparse(link).path, follow=True)
    assert response.context["user"].username == "ada_l"
    assert User.objects.get(username="ada_l").is_verified


def test_worker_killed_mid_send_delivers_exactly_once_after_restart(
    client, live_broker, smtp_sink, celery_processes
):
    smtp_sink.delay = 3  # the server holds DATA before answering: the kill lands mid-send
    celery_processes.beat(redis_url=live_broker, **FAST_SWEEP)
    first = celery_processes.worker(redis_url=live_broker, smtp_port=smtp_sink.port, **FAST_SWEEP)

    assert sign_up(client).status_code == 302
    assert smtp_sink.data_started.wait(30), first.log()[-3000:]
    first.kill()
    killed_at = time.monotonic()

    email = OutboundEmail.objects.get()
    assert (email.status, email.attempts) == ("sending", 1)
    wait_until(lambda: smtp_sink.dropped, timeout=10, what="the sink to drop the killed send")
    assert smtp_sink.accepted() == []

    celery_processes.worker(redis_url=live_broker, smtp_port=smtp_sink.port, **FAST_SWEEP)
    [message] = smtp_sink.wait_for(1, timeout=60, details=state(celery_processes))
    delivered_after = time.monotonic() - killed_at
    wait_until(
        lambda: sent(email.pk),
        timeout=10,
        what="the row marked sent",
        details=state(celery_processes),
    )
    time.sleep(4)  # several more sweeps run: nothing else may arrive

    assert len(smtp_sink.accepted()) == 1
    assert message["Message-ID"] == email.message_id == smtp_sink.dropped[0]["Message-ID"]
    email.refresh_from_db()
    assert email.attempts == 2
    print(f"\n[fault: SIGKILL mid-send] delivered once, {delivered_after:.1f}s after the kill")


def test_redis_down_at_signup_is_delivered_once_redis_is_back(
    client, live_broker, smtp_sink, celery_processes, redis_server
):
    redis_cache = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": redis_server.url,
        }
    }
    # The web side uses the private Redis for both broker and cache, then that Redis goes down.
    with web_broker(redis_server.url), override_settings(CACHES=redis_cache):
        redis_server.stop()
        started = time.monotonic()
        response = sign_up(client)
        took = time.monotonic() - started

        assert response.status_code == 302
        assert response.url == reverse("accounts:signup_done")
        assert took < 5, f"sign-up took {took:.1f}s with Redis down"
        email = OutboundEmail.objects.get()
        assert (email.status, email.attempts) == ("pending", 0)

        redis_server.start()
        back_at = time.monotonic()
        celery_processes.beat(redis_url=redis_server.url, **FAST_SWEEP)
        celery_processes.worker(redis_url=redis_server.url, smtp_port=smtp_sink.port, **FAST_SWEEP)
        [message] = smtp_sink.wait_for(1, timeout=60, details=state(celery_processes))
        delivered_after = time.monotonic() - back_at
        wait_until(
            lambda: sent(email.pk),
            timeout=10,
            what="the row marked sent",
            details=state(celery_processes),
        )
        time.sleep(4)  # several more sweeps run: nothing else may arrive

    assert len(smtp_sink.accepted()) == 1
    assert message["Message-ID"] == email.message_id
    email.refresh_from_db()
    assert email.attempts == 1
    print(
        f"\n[fault: Redis down] sign-up answered in {took:.2f}s; "
        f"delivered once, {delivered_after:.1f}s after Redis came back"
    )
