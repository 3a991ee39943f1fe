"""The email outbox: rows written in the caller's transaction, delivered after commit by a task
that claims them, retried with backoff, and swept up when their task message was lost."""

from __future__ import annotations

import smtplib
from datetime import timedelta

import pytest
from django.contrib.admin.sites import site
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from kombu.exceptions import OperationalError

from accounts.models import User
from accounts.services import user_delete
from outbox import tasks
from outbox.delivery import email_backoff, email_mark_sent, outbox_requeue_due
from outbox.models import OutboundEmail
from outbox.services import email_queue
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db


def queue(**overrides) -> OutboundEmail:
    kwargs = {
        "to": "ada@example.com",
        "subject": "Confirm your email address",
        "template": "verify_email",
        "context": {
            "user": User(username="ada"),
            "url": "https://faun.test/v/1/",
            "valid_for": "1 day",
        },
    }
    return email_queue(**(kwargs | overrides))


def deliver(email: OutboundEmail) -> str:
    return tasks.email_deliver.apply(args=[email.pk]).get()


def test_queued_email_is_a_pending_row_delivered_only_after_commit(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks() as callbacks:
        email = queue()
        assert mail.outbox == []
    assert email.status == OutboundEmail.Status.PENDING
    assert len(callbacks) == 1

    callbacks[0]()

    email.refresh_from_db()
    assert (email.status, email.attempts) == ("sent", 1)
    assert email.sent_at is not None
    assert [m.to for m in mail.outbox] == [["ada@example.com"]]


def test_email_has_text_and_html_parts_the_site_from_and_its_own_message_id(
    settings, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        email = queue(headers={"List-Unsubscribe": "<https://faun.test/unsubscribe/1>"})

    [message] = mail.outbox
    assert isinstance(message, EmailMultiAlternatives)
    assert message.from_email == settings.DEFAULT_FROM_EMAIL
    assert "https://faun.test/v/1/" in message.body
    [(html, mimetype)] = message.alternatives
    assert mimetype == "text/html"
    assert 'href="https://faun.test/v/1/"' in html
    sent = message.message()
    assert sent["Message-ID"] == email.message_id
    assert email.message_id.endswith("@faun.localhost>")
    assert sent["List-Unsubscribe"] == "<https://faun.test/unsubscribe/1>"


def test_rolled_back_transaction_queues_and_sends_nothing(django_capture_on_commit_callbacks):
    def failing_change():
        with transaction.atomic():
            queue()
            raise RuntimeError("the sign-up failed after queueing")

    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(RuntimeError):
        failing_change()
    assert OutboundEmail.objects.count() == 0
    assert callbacks == []
    assert mail.outbox == []


def test_same_dedupe_key_returns_the_first_row_and_sends_once(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = queue(dedupe_key="digest:1:user:7")
        second = queue(dedupe_key="digest:1:user:7", subject="Another subject")
    assert first.pk == second.pk
    assert OutboundEmail.objects.count() == 1
    assert len(mail.outbox) == 1


def test_queue_refuses_a_bad_address_and_header_injection():
    with pytest.raises(ValidationError):
        queue(to="not-an-address")
    with pytest.raises(ValueError, match="header"):
        queue(headers={"X-Note": "line\r\nBcc: victim@example.com"})
    assert OutboundEmail.objects.count() == 0


def test_subject_line_breaks_are_collapsed():
    email = queue(subject="Hello\r\nBcc: victim@example.com")
    assert email.subject == "Hello Bcc: victim@example.com"


def test_delivering_the_same_email_twice_sends_it_once():
    email = queue()  # not committed in this test: no callback ran
    assert deliver(email) == "sent"
    assert deliver(email) == "skipped"
    assert len(mail.outbox) == 1
    email.refresh_from_db()
    assert email.attempts == 1


def test_delivery_skips_rows_that_are_gone_being_sent_or_failed():
    assert tasks.email_deliver.apply(args=[987654]).get() == "skipped"
    sending = queue()
    OutboundEmail.objects.filter(pk=sending.pk).update(status="sending", claimed_at=timezone.now())
    failed = queue(to="grace@example.com")
    OutboundEmail.objects.filter(pk=failed.pk).update(status="failed")
    assert deliver(sending) == "skipped"
    assert deliver(failed) == "skipped"
    assert mail.outbox == []


def test_failed_send_goes_back_to_pending_with_backoff_and_the_error(monkeypatch):
    def refuse(self, fail_silently=False):
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")

    monkeypatch.setattr(EmailMultiAlternatives, "send", refuse)
    email = queue()
    before = timezone.now()

    assert deliver(email) == "pending"

    email.refresh_from_db()
    assert (email.status, email.attempts) == ("pending", 1)
    assert "Connection unexpectedly closed" in email.last_error
    assert email.claimed_at is None
    # 30 s after the first failure, plus up to 20% jitter
    assert before + timedelta(seconds=30) <= email.next_attempt_at
    assert email.next_attempt_at <= timezone.now() + timedelta(seconds=37)


def test_failed_send_on_a_worker_retries_the_task_with_the_backoff(monkeypatch):
    monkeypatch.setattr(
        EmailMultiAlternatives,
        "send",
        lambda self, fail_silently=False: (_ for _ in ()).throw(TimeoutError("timed out")),
    )
    retries = []

    class Retry(Exception):
        pass

    def fake_retry(*, exc, countdown):
        retries.append(countdown)
        return Retry()

    monkeypatch.setattr(tasks.email_deliver, "retry", fake_retry)
    email = queue()
    tasks.email_deliver.push_request(is_eager=False, retries=0)
    try:
        with pytest.raises(Retry):
            tasks.email_deliver.run(email.pk)
    finally:
        tasks.email_deliver.pop_request()
    assert len(retries) == 1
    assert 30 <= retries[0] <= 36


def test_backoff_doubles_up_to_an_hour():
    for attempts, base in [(1, 30), (2, 60), (3, 120), (8, 3600)]:
        delays = {email_backoff(attempts=attempts) for _ in range(50)}
        assert base <= min(delays) <= max(delays) <= base * 1.2
    assert 3600 <= email_backoff(attempts=20) <= 3600 * 1.2


def test_permanent_refusal_fails_at_once(monkeypatch):
    def refuse(self, fail_silently=False):
        raise smtplib.SMTPRecipientsRefused({"ada@example.com": (550, b"No such user")})

    monkeypatch.setattr(EmailMultiAlternatives, "send", refuse)
    email = queue()
    assert deliver(email) == "failed"
    email.refresh_from_db()
    assert (email.status, email.attempts) == ("failed", 1)
    assert "No such user" in email.last_error


def test_last_attempt_marks_the_email_failed(settings, monkeypatch):
    monkeypatch.setattr(
        EmailMultiAlternatives,
        "send",
        lambda self, fail_silently=False: (_ for _ in ()).throw(OSError("refused")),
    )
    email = queue()
    OutboundEmail.objects.filter(pk=email.pk).update(attempts=settings.OUTBOX_MAX_ATTEMPTS - 1)
    assert deliver(email) == "failed"
    email.refresh_from_db()
    assert (email.status, email.attempts) == ("failed", settings.OUTBOX_MAX_ATTEMPTS)


def test_broker_down_at_commit_leaves_the_row_pending_and_does_not_raise(
    monkeypatch, caplog, django_capture_on_commit_callbacks
):
    def broker_down(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(tasks.email_deliver, "apply_async", broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        email = queue()

    email.refresh_from_db()
    assert (email.status, email.attempts) == ("pending", 0)
    assert "stays pending for the sweep" in caplog.text


def age(email: OutboundEmail, seconds: int) -> None:
    OutboundEmail.objects.filter(pk=email.pk).update(
        next_attempt_at=timezone.now() - timedelta(seconds=seconds)
    )


def test_sweep_publishes_pending_rows_only_after_the_grace_period(settings):
    fresh, late = queue(), queue(to="grace@example.com")
    age(late, settings.OUTBOX_PENDING_GRACE_SECONDS + 5)

    assert tasks.outbox_sweep.apply().get() == 1

    fresh.refresh_from_db()
    late.refresh_from_db()
    assert fresh.status == "pending"
    assert late.status == "sent"
    assert [m.to for m in mail.outbox] == [["grace@example.com"]]


def test_sweep_does_not_publish_the_same_row_again_within_a_grace_period(settings):
    email = queue()
    age(email, settings.OUTBOX_PENDING_GRACE_SECONDS + 5)
    assert outbox_requeue_due() == [email.pk]
    assert outbox_requeue_due() == []


def test_sweep_frees_rows_left_sending_by_a_dead_worker_but_not_live_ones(settings):
    dead, live = queue(), queue(to="grace@example.com")
    now = timezone.now()
    OutboundEmail.objects.filter(pk=dead.pk).update(
        status="sending",
        attempts=1,
        claimed_at=now - timedelta(seconds=settings.OUTBOX_STUCK_AFTER_SECONDS + 1),
    )
    OutboundEmail.objects.filter(pk=live.pk).update(
        status="sending", attempts=1, claimed_at=now - timedelta(seconds=5)
    )

    assert tasks.outbox_sweep.apply().get() == 1

    dead.refresh_from_db()
    live.refresh_from_db()
    assert (dead.status, dead.attempts) == ("sent", 2)
    assert live.status == "sending"
    assert len(mail.outbox) == 1


def test_sweep_gives_up_on_a_row_that_killed_every_worker(settings):
    email = queue()
    OutboundEmail.objects.filter(pk=email.pk).update(
        status="sending",
        attempts=settings.OUTBOX_MAX_ATTEMPTS,
        claimed_at=timezone.now() - timedelta(hours=1),
    )
    assert tasks.outbox_sweep.apply().get() == 0
    email.refresh_from_db()
    assert email.status == "failed"
    assert "worker stopped" in email.last_error
    assert mail.outbox == []


def test_sweep_with_the_broker_down_keeps_rows_pending(settings, monkeypatch):
    email = queue()
    age(email, settings.OUTBOX_PENDING_GRACE_SECONDS + 5)
    monkeypatch.setattr(
        tasks.email_deliver,
        "apply_async",
        lambda *a, **k: (_ for _ in ()).throw(OperationalError("down")),
    )
    assert tasks.outbox_sweep.apply().get() == 0
    email.refresh_from_db()
    assert email.status == "pending"


def test_sweep_is_scheduled_every_minute_by_beat(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["outbox-sweep"]
    assert entry["task"] == "outbox.tasks.outbox_sweep"
    assert entry["schedule"] == 60.0
    assert settings.OUTBOX_STUCK_AFTER_SECONDS > settings.OUTBOX_SEND_TIME_LIMIT
    assert tasks.email_deliver.time_limit == settings.OUTBOX_SEND_TIME_LIMIT
    assert tasks.email_deliver.acks_late is True


def test_admin_lists_the_outbox_read_only_and_sends_failed_emails_again(
    admin_client, django_capture_on_commit_callbacks
):
    email = queue()
    OutboundEmail.objects.filter(pk=email.pk).update(status="failed", attempts=8)
    assert not site._registry[OutboundEmail].has_add_permission(None)

    response = admin_client.get(reverse("admin:outbox_outboundemail_changelist"))
    assert response.status_code == 200
    assert "ada@example.com" in response.content.decode()
    assert (
        admin_client.get(reverse("admin:outbox_outboundemail_change", args=[email.pk])).status_code
        == 200
    )

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse("admin:outbox_outboundemail_changelist"),
            {"action": "send_again", "_selected_action": [email.pk]},
            follow=True,
        )
    assert "1 failed email(s) queued again." in response.content.decode()
    email.refresh_from_db()
    assert (email.status, email.attempts) == ("sent", 1)
    assert len(mail.outbox) == 1


def test_deleting_the_account_deletes_its_emails():
    user = UserFactory(email="ada@example.com")
    queue()
    queue(to="grace@example.com")
    user_delete(user=user)
    assert list(OutboundEmail.objects.values_list("to", flat=True)) == ["grace@example.com"]


def test_marking_sent_is_one_statement(django_assert_num_queries):
    email = queue()
    with django_assert_num_queries(1):
        email_mark_sent(email_id=email.pk)
    email.refresh_from_db()
    assert (email.status, email.last_error) == ("sent", "")
    assert email.sent_at is not None


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_marking_sent_skips_the_wal_flush_for_itself_only():
    from django.db import connection

    email = queue()
    email_mark_sent(email_id=email.pk)  # autocommit: its own transaction
    with connection.cursor() as cursor:
        cursor.execute("SHOW synchronous_commit")
        assert cursor.fetchone() == ("on",)  # nothing leaks into the session
    assert OutboundEmail.objects.get(pk=email.pk).status == "sent"
