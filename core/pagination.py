"""Keyset ("seek") pagination on a (value, id) pair, shared by the HTML pages and the API.

A cursor names the last row of the previous page; the next page is everything strictly after it
in the feed's order. Rows published meanwhile land before the cursor, so "more" never repeats or
skips a post, and page 400 costs the same index seek as page 1 (no OFFSET).

DRF's CursorPagination keys on one field and breaks ties with an OFFSET; ties are the norm on
"top" (many posts share a score), so the id is part of the key here instead.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Generic, TypeVar

from django.db.models import Model, Q, QuerySet

from core.text import text_problem

T = TypeVar("T", bound=Model)


class InvalidCursor(ValueError):
    """The cursor was not produced by this site (tampered, truncated or from another ordering)."""


@dataclass(frozen=True)
class Ordering:
    """A feed order: primary field, then id as the tie-breaker, both in the same direction."""

    field: str
    kind: type  # float, int, str or datetime: how the cursor value is decoded
    descending: bool = True

    @property
    def order_by(self) -> tuple[str, str]:
        sign = "-" if self.descending else ""
        return (f"{sign}{self.field}", f"{sign}id")


@dataclass(frozen=True)
class KeysetPage(Generic[T]):
    items: list[T]
    next_cursor: str | None
    page_size: int


def encode_cursor(ordering: Ordering, obj: Model) -> str:
    value = getattr(obj, ordering.field)
    if isinstance(value, datetime):
        value = value.isoformat()
    raw = json.dumps([ordering.field, value, obj.pk], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(ordering: Ordering, cursor: str) -> tuple[object, int]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        field, value, pk = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
        if field != ordering.field or not _is_bigint(pk):
            raise InvalidCursor("cursor belongs to another ordering")
        # Only values this site can have written reach the query: text that can be stored (no
        # NUL, which psycopg refuses), finite numbers, integers that fit a 64-bit column.
        if ordering.kind is datetime:
            value = datetime.fromisoformat(value)
            if value.tzinfo is None:
                raise InvalidCursor("naive datetime in cursor")
        elif ordering.kind is float:
            if not (_is_bigint(value) or isinstance(value, float)) or not math.isfinite(value):
                raise InvalidCursor("bad number in cursor")
            value = float(value)
        elif ordering.kind is str:
            if not isinstance(value, str) or text_problem(value) is not None:
                raise InvalidCursor("bad text in cursor")
        elif not _is_bigint(value):
            raise InvalidCursor("bad number in cursor")
    except InvalidCursor:
        raise
    except (ValueError, TypeError, UnicodeError, binascii.Error, RecursionError) as exc:
        raise InvalidCursor("malformed cursor") from exc
    return value, pk


def _is_bigint(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and -(2**63) <= value < 2**63


def keyset_paginate(
    queryset: QuerySet[T], *, ordering: Ordering, after: str | None, page_size: int
) -> KeysetPage[T]:
    """One page of `queryset` in `ordering`, starting after the row named by `after`.

    Raises InvalidCursor for a cursor this function did not produce. Costs one query (plus the
    queryset's own prefetches), whatever the page size or depth.
    """
    qs = queryset.order_by(*ordering.order_by)
    if after:
        value, pk = decode_cursor(ordering, after)
        op, bound = ("lt", "lte") if ordering.descending else ("gt", "gte")
        qs = qs.filter(
            # The redundant `field <= value` bound lets the index seek straight to the cursor;
            # the OR alone is a filter the planner applies row by row from the top of the index.
            Q(**{f"{ordering.field}__{bound}": value}),
            Q(**{f"{ordering.field}__{op}": value}) | Q(**{ordering.field: value, f"id__{op}": pk}),
        )
    rows: Sequence[T] = list(qs[: page_size + 1])
    items = list(rows[:page_size])
    next_cursor = encode_cursor(ordering, items[-1]) if len(rows) > page_size else None
    return KeysetPage(items=items, next_cursor=next_cursor, page_size=page_size)
