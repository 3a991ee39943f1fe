"""/metrics for Prometheus and /readyz for load balancers (docs/operations.md#metrics): who may
read the metrics, what they report, and readiness with each dependency's state."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from faun import views
from outbox.models import OutboundEmail
from tests.newsletters.factories import DeliveryFactory, NewsletterIssueFactory
from tests.outbox.factories import OutboundEmailFactory
from tests.posts.factories import ChannelFactory, PostFactory

pytestmark = pytest.mark.django_db


def metrics(client, **extra) -> tuple[int, str]:
    response = client.get("/metrics", **extra)
    return response.status_code, response.content.decode()


def test_metrics_are_for_allowed_addresses_or_the_token_only(client, settings):
    settings.METRICS_ALLOWED_ADDRESSES = ["127.0.0.1"]
    settings.METRICS_TOKEN = "s3cret-scrape-token"

    assert metrics(client)[0] == 200  # the test client comes from 127.0.0.1
    assert metrics(client, REMOTE_ADDR="203.0.113.9")[0] == 404
    assert metrics(client, REMOTE_ADDR="203.0.113.9", HTTP_AUTHORIZATION="Bearer nope")[0] == 404
    assert (
        metrics(client, REMOTE_ADDR="203.0.113.9", HTTP_AUTHORIZATION="Bearer s3cret-scrape-token")[
            0
        ]
        == 200
    )
    settings.METRICS_TOKEN = ""
    assert metrics(client, REMOTE_ADDR="203.0.113.9", HTTP_AUTHORIZATION="Bearer ")[0] == 404


def test_metrics_report_requests_by_view_sql_time_and_the_outbox(client):
    PostFactory()
    client.get("/")
    OutboundEmailFactory.create_batch(2)
    old = OutboundEmailFactory()
    OutboundEmail.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(hours=1))
    OutboundEmailFactory(status="failed", attempts=5)

    status, text = metrics(client)

    assert status == 200
    assert 'view="posts:home"' in text
    assert "django_http_requests_latency_seconds_by_view_method_bucket" in text
    assert "faun_db_query_duration_seconds_count" in text
    assert 'faun_outbox_emails{status="pending"} 3.0' in text
    assert 'faun_outbox_emails{status="failed"} 1.0' in text
    age = next(
        line for line in text.splitlines() if line.startswith("faun_outbox_oldest_pending_age")
    )
    assert 3500 < float(age.split()[-1]) < 3700


def test_metrics_show_how_far_todays_newsletter_issues_are(client):
    issue = NewsletterIssueFactory(
        newsletter__channel=ChannelFactory(handle="devopslinks"), period="2026-11-29"
    )
    for status in ("sent", "sent", "pending", "failed"):
        DeliveryFactory(
            issue=issue,
            subscription__newsletter=issue.newsletter,
            period=issue.period,
            outbound_email=OutboundEmailFactory(
                status=status, attempts=1, sent_at=timezone.now() if status == "sent" else None
            ),
        )

    text = metrics(client)[1]

    labels = 'newsletter="devopslinks",period="2026-11-29"'
    assert f'faun_newsletter_issue_emails{{{labels},state="sent"}} 2.0' in text
    assert f'faun_newsletter_issue_emails{{{labels},state="waiting"}} 1.0' in text
    assert f'faun_newsletter_issue_emails{{{labels},state="failed"}} 1.0' in text


def test_readyz_details_each_dependency_and_fails_only_without_the_database(client, monkeypatch):
    response = client.get("/readyz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ready"
    assert set(body["checks"]) == {"database", "cache", "broker"}
    assert all(check["status"] == "ok" for check in body["checks"].values())
    assert response["Cache-Control"].startswith("max-age=0")

    monkeypatch.setattr(views, "cache_probe", lambda: False)
    degraded = client.get("/readyz")
    assert degraded.status_code == 200
    assert degraded.json()["status"] == "degraded"
    assert degraded.json()["checks"]["cache"]["status"] == "unavailable"

    def database_down() -> None:
        raise ConnectionError("no route to the database")

    monkeypatch.setattr(views, "_database_check", database_down)
    down = client.get("/readyz")
    assert down.status_code == 503
    assert down.json()["status"] == "unavailable"
    assert down.json()["checks"]["database"]["status"] == "ConnectionError"


@pytest.mark.redis
def test_metrics_count_the_tasks_waiting_in_each_queue(client, live_broker, settings):
    from outbox.tasks import email_deliver

    for email_id in (1, 2, 3):
        email_deliver.apply_async(args=[email_id])  # no worker runs here: they wait

    text = metrics(client)[1]

    assert f'faun_celery_queue_length{{queue="{settings.CELERY_QUEUE_EMAIL}"}} 3.0' in text
    assert f'faun_celery_queue_length{{queue="{settings.CELERY_QUEUE_NEWSLETTERS}"}} 0.0' in text


@pytest.mark.redis
def test_readyz_says_when_the_broker_is_down_and_stays_ready(client, live_broker, settings):
    assert client.get("/readyz").json()["checks"]["broker"]["status"] == "ok"
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"  # nothing listens there

    response = client.get("/readyz")

    assert response.status_code == 200
    assert response.json()["status"] == "degraded"
    assert response.json()["checks"]["broker"]["status"] == "unavailable"
