"""What each log line says about where it comes from: the id of the web request that led to it
and, inside a Celery task, the task's name and id (docs/operations.md#logs).

The web side binds the request id (faun.middleware.RequestIdMiddleware); faun/celery.py carries
it to workers in a task header and binds it, with the task's name and id, while a task runs.
LogContextFilter, on the log handler (LOGGING in faun/settings.py), copies them onto every record,
whichever library logged it.
"""

from __future__ import annotations

import logging
import re
import uuid
from contextvars import ContextVar, Token
from dataclasses import dataclass, fields, replace

# Letters, digits and the punctuation of common id formats (UUIDs, AWS's "Root=1-...",
# base64): nothing that could end a header, a log line or a JSON string.
REQUEST_ID = re.compile(r"[A-Za-z0-9._:=+/-]{1,200}")


@dataclass(frozen=True)
class LogContext:
    request_id: str | None = None
    task_name: str | None = None
    task_id: str | None = None


_NONE = LogContext()
_context: ContextVar[LogContext | None] = ContextVar("faun_log_context", default=None)


def request_id_from_header(value: str | None) -> str:
    """The request id a proxy or client sent (`X-Request-ID`) when it is 1 to 200 characters of
    letters, digits and `._:=+/-`; anything else gets a new id, so a hostile header never reaches
    a response header or a log line."""
    if value and REQUEST_ID.fullmatch(value):
        return value
    return uuid.uuid4().hex


def log_context() -> LogContext:
    return _context.get() or _NONE


def log_context_bind(**values: str | None) -> Token[LogContext | None]:
    """Set fields of the current context (the rest are kept); undo with log_context_reset."""
    return _context.set(replace(log_context(), **values))


def log_context_reset(token: Token[LogContext | None]) -> None:
    _context.reset(token)


class LogContextFilter(logging.Filter):
    """Adds request_id, task_name and task_id, where known, to each record a handler formats.

    Django logs a 4xx or 5xx answer ("Not Found: /x") once the middleware have returned, with
    the request in the record: its id is then the one the middleware left on the request."""

    def filter(self, record: logging.LogRecord) -> bool:
        context = log_context()
        if context.request_id is None:
            request_id = getattr(getattr(record, "request", None), "request_id", None)
            context = replace(context, request_id=request_id)
        for field in fields(context):
            value = getattr(context, field.name)
            if value is not None and not hasattr(record, field.name):
                setattr(record, field.name, value)
        return True
