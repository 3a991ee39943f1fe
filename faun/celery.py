"""The Celery application: broker and result settings come from Django settings (CELERY_*).

Workers and beat log as the web processes do, and a task's log lines carry the id of the request
that enqueued it (docs/operations.md#logs).
"""

import logging.config
import os
from contextvars import Token
from typing import Any

from celery import Celery, Task
from celery.signals import before_task_publish, setup_logging, task_postrun, task_prerun
from django.conf import settings

from core.logs import LogContext, log_context, log_context_bind, log_context_reset
from core.replicas import primary_reads

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "faun.settings")


class FaunTask(Task):
    """Every task reads the primary, also when it runs eagerly inside a web request that reads
    a replica (docs/operations.md#read-replicas): a task acts on rows just written."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        with primary_reads():
            return super().__call__(*args, **kwargs)


app = Celery("faun", task_cls=FaunTask)
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@setup_logging.connect
def _log_as_the_web_does(**kwargs: Any) -> None:
    """Use LOGGING from the settings (LOG_FORMAT, LOG_LEVEL) instead of Celery's own set-up, so
    worker and beat lines have the web's format and fields. Celery's --loglevel is not used."""
    logging.config.dictConfig(settings.LOGGING)


@before_task_publish.connect
def _carry_request_id(headers: dict[str, Any] | None = None, **kwargs: Any) -> None:
    """A task published while a request (or another task) runs takes its request id along."""
    request_id = log_context().request_id
    if request_id and headers is not None:
        headers.setdefault("request_id", request_id)


# Tokens of the contexts bound in task_prerun, by task id, to undo in task_postrun.
_bound: dict[str, Token[LogContext | None]] = {}


@task_prerun.connect
def _bind_task_context(task_id: str, task: Any, **kwargs: Any) -> None:
    # On a worker, the request id is the header set above. An eager task (tasks run in the web
    # process when REDIS_URL is empty) is never published: it keeps the request's own id.
    request_id = task.request.get("request_id") or log_context().request_id
    _bound[task_id] = log_context_bind(request_id=request_id, task_name=task.name, task_id=task_id)


@task_postrun.connect
def _unbind_task_context(task_id: str, **kwargs: Any) -> None:
    token = _bound.pop(task_id, None)
    if token is not None:
        log_context_reset(token)
