"""`{% load times %}`: every time a page shows, as one `<time>` element (docs/pages.md#times).

`core` is not an installed app (it has no models), so faun/settings.py names this library in
TEMPLATES' `libraries`."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Literal

from django import template
from django.utils import dateformat, timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString

from core.text import ago_text

register = template.Library()

Style = Literal["ago", "date", "datetime"]


def machine_time(moment: date) -> str:
    """The `datetime` attribute: a date as 2026-11-29, a time in UTC to the second,
    2026-11-29T19:27:05Z (HTML allows at most three fractional digits; Python writes six)."""
    if not isinstance(moment, datetime):
        return moment.isoformat()
    return _utc(moment).isoformat(timespec="seconds").replace("+00:00", "Z")


def _utc(moment: datetime) -> datetime:
    if timezone.is_naive(moment):
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


@register.filter
def ago(moment: datetime | None) -> str:
    """'9h ago', 'just now': how long ago `moment` was, compact ('' for no time)."""
    if not isinstance(moment, datetime):
        return ""
    return ago_text((timezone.now() - _utc(moment)).total_seconds())


@register.simple_tag
def time_tag(
    moment: date | None, style: Style = "ago", shown: SafeString | None = None
) -> SafeString:
    """A `<time>` element: "9h ago" (style "ago"), "Nov 29, 2026" ("date") or "Nov 29, 2026
    19:27" ("datetime"), with the exact time in UTC as its title and a valid `datetime`. A date
    without a time shows the date. Nothing for no time. `shown` replaces the text (a cached feed
    row's slot for "9h ago", filled per request: posts/rows.py)."""
    if not isinstance(moment, date):
        return SafeString("")
    if not isinstance(moment, datetime):
        return format_html(
            '<time datetime="{}">{}</time>',
            machine_time(moment),
            dateformat.format(moment, "M j, Y"),
        )
    utc = _utc(moment)
    exact = dateformat.format(utc, "M j, Y H:i")
    text: str | None = shown
    if text is None:
        text = {"date": dateformat.format(utc, "M j, Y"), "datetime": exact}.get(style) or ago(utc)
    return format_html(
        '<time datetime="{}" title="{} UTC">{}</time>', machine_time(utc), exact, text
    )
