"""Structured logs (docs/operations.md#logs): each request has an id, echoed in X-Request-ID and
carried by every log line of the request and of the tasks it enqueues, eager or on a worker;
LOG_FORMAT=json writes one JSON object per line."""

from __future__ import annotations

import copy
import io
import json
import logging
import re
import uuid
from logging.config import DictConfigurator

import pytest
from django.conf import settings
from django.core import mail

from tests.outbox.test_worker import sign_up, state
from tests.service_fixtures import wait_until

pytestmark = pytest.mark.django_db

NEW_ID = re.compile(r"[0-9a-f]{32}")


def parse(text: str) -> list[dict]:
    """The JSON lines of a log (a worker's also holds its start-up banner, which is not logged)."""
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


@pytest.fixture
def json_logs():
    """What LOG_FORMAT=json writes: LOGGING's json formatter and context filter
    (faun/settings.py) on a handler at the root logger, into a buffer. Returns a function giving
    the lines so far, each parsed as JSON (a line that is not JSON fails the test)."""
    configurator = DictConfigurator(copy.deepcopy(settings.LOGGING))
    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    handler.setFormatter(
        configurator.configure_formatter(configurator.config["formatters"]["json"])
    )
    handler.addFilter(configurator.configure_filter(configurator.config["filters"]["context"]))
    # The root logger, and the loggers that LOGGING keeps from propagating to it ("django").
    loggers = [logging.getLogger()] + [
        logging.getLogger(name)
        for name, config in settings.LOGGING["loggers"].items()
        if config.get("propagate", True) is False
    ]
    for logger in loggers:
        logger.addHandler(handler)
    try:
        yield lambda: [json.loads(line) for line in buffer.getvalue().splitlines()]
    finally:
        for logger in loggers:
            logger.removeHandler(handler)


def test_a_sane_request_id_is_echoed_and_on_the_access_line(client, json_logs):
    response = client.get("/", headers={"x-request-id": "lb-7f3a.1:Root=1-5e8+a/b"})

    assert response.status_code == 200
    assert response["X-Request-ID"] == "lb-7f3a.1:Root=1-5e8+a/b"
    [access] = [line for line in json_logs() if line["logger"] == "faun.access"]
    assert access["request_id"] == "lb-7f3a.1:Root=1-5e8+a/b"
    assert (access["method"], access["path"], access["status"]) == ("GET", "/", 200)
    assert access["duration_ms"] >= 0
    assert access["message"].startswith("GET / 200 ")
    assert access["level"] == "INFO"
    assert "time" in access


def test_a_request_id_of_200_characters_is_kept(client):
    assert client.get("/", headers={"x-request-id": "x" * 200})["X-Request-ID"] == "x" * 200


@pytest.mark.parametrize(
    "hostile",
    [
        "",
        "x" * 201,
        "abc\r\nSet-Cookie: sessionid=stolen",
        "abc\nX-Injected: 1",
        "a\x00b",
        "a\x1bb",
        "a b",
        '"},{"request_id":"forged',
        "<script>alert(1)</script>",
        "ümlaut",
        "%0d%0aX-Injected:%201",
    ],
)
def test_a_hostile_request_id_is_replaced_by_a_new_one(client, json_logs, hostile):
    response = client.get("/", headers={"x-request-id": hostile})

    assert response.status_code == 200
    assert NEW_ID.fullmatch(response["X-Request-ID"])
    assert "X-Injected" not in response
    assert "sessionid" not in response.cookies
    [access] = [line for line in json_logs() if line["logger"] == "faun.access"]
    assert access["request_id"] == response["X-Request-ID"]


def test_without_a_header_each_request_gets_a_new_id_pages_from_the_cache_too(client, settings):
    settings.ANONYMOUS_CACHE_SECONDS = 30
    first = client.get("/")
    second = client.get("/")

    assert (first["X-Cache"], second["X-Cache"]) == ("miss", "hit")
    assert NEW_ID.fullmatch(first["X-Request-ID"])
    assert NEW_ID.fullmatch(second["X-Request-ID"])
    assert first["X-Request-ID"] != second["X-Request-ID"]


def test_responses_refused_before_any_view_carry_an_id(client):
    response = client.get("/t/a%00b/")  # refused by ControlCharactersMiddleware
    assert response.status_code == 404
    assert NEW_ID.fullmatch(response["X-Request-ID"])


def test_every_log_line_of_a_request_carries_its_id_and_later_lines_do_not(client, json_logs):
    response = client.get("/no-such-page/", headers={"x-request-id": "req-404"})
    logging.getLogger("faun.test").warning("after the request")

    assert response.status_code == 404
    lines = json_logs()
    not_found = next(line for line in lines if line["logger"] == "django.request")
    assert not_found["message"] == "Not Found: /no-such-page/"
    assert not_found["request_id"] == "req-404"
    access = next(line for line in lines if line["logger"] == "faun.access")
    assert (access["request_id"], access["status"]) == ("req-404", 404)
    assert lines[-1]["message"] == "after the request"
    assert "request_id" not in lines[-1]


def test_the_access_line_percent_encodes_the_path(client, json_logs):
    client.get("/u/a%0Ab/")  # the decoded path holds a line break: it must not reach the log
    [access] = [line for line in json_logs() if line["logger"] == "faun.access"]
    assert access["path"] == "/u/a%0Ab/"


@pytest.mark.django_db(transaction=True)  # the email task is enqueued when the sign-up commits
def test_an_eager_task_enqueued_by_a_request_logs_with_the_request_id(client, json_logs):
    response = sign_up(client, headers={"x-request-id": "signup-eager-1"})

    assert response.status_code == 302
    assert len(mail.outbox) == 1
    [sent] = [line for line in json_logs() if " sent (" in line["message"]]
    assert sent["task_name"] == "outbox.tasks.email_deliver"
    assert sent["request_id"] == "signup-eager-1"
    assert sent["task_id"]
    # The task's fields end with the task; the request's id stays until the request ends.
    access = next(line for line in json_logs() if line["logger"] == "faun.access")
    assert access["request_id"] == "signup-eager-1"
    assert "task_name" not in access


@pytest.mark.worker
@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_a_worker_logs_a_task_with_the_id_of_the_request_that_enqueued_it(
    client, live_broker, smtp_sink, celery_processes
):
    request_id = f"signup-{uuid.uuid4().hex[:8]}"
    worker = celery_processes.worker(
        redis_url=live_broker, smtp_port=smtp_sink.port, LOG_FORMAT="json"
    )

    response = sign_up(client, headers={"x-request-id": request_id})

    assert response.status_code == 302
    assert response["X-Request-ID"] == request_id
    smtp_sink.wait_for(1, timeout=30, details=state(celery_processes))

    def task_lines() -> list[dict]:
        lines = parse(worker.log())
        return [line for line in lines if line.get("task_name") == "outbox.tasks.email_deliver"]

    wait_until(
        lambda: any(" sent (" in line["message"] for line in task_lines()),
        timeout=15,
        what="the worker's line for the sent email",
        details=state(celery_processes),
    )
    for line in task_lines():
        print(f"\nworker: {json.dumps(line)}")
        assert line["request_id"] == request_id
        assert line["task_id"]
