"""Each kind of background work has its queue (docs/operations.md#queues): single emails,
link previews and cards, newsletters and digests. The worker processes that consume them are
tested in tests/outbox/test_queues.py."""

from __future__ import annotations

from django.conf import settings


def test_tasks_go_to_the_queue_of_their_kind():
    from faun.celery import app

    route = app.amqp.router.route
    queues = {
        name: route({}, name)["queue"].name
        for name in (
            "outbox.tasks.email_deliver",
            "outbox.tasks.outbox_sweep",
            "outbox.tasks.email_deliver_batch",
            "newsletters.tasks.digests_run",
            "posts.tasks.post_fetch_preview",
        )
    }
    assert queues == {
        "outbox.tasks.email_deliver": settings.CELERY_QUEUE_EMAIL,
        "outbox.tasks.outbox_sweep": settings.CELERY_QUEUE_EMAIL,
        "outbox.tasks.email_deliver_batch": settings.CELERY_QUEUE_NEWSLETTERS,
        "newsletters.tasks.digests_run": settings.CELERY_QUEUE_NEWSLETTERS,
        "posts.tasks.post_fetch_preview": settings.CELERY_QUEUE_PREVIEWS,
    }
    # A worker started without -Q consumes them all.
    assert {queue.name for queue in app.amqp.queues.values()} >= set(queues.values())
