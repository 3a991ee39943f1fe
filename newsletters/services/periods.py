"""Send slots and period keys for newsletters (UTC) and personal digests (the member's zone).

A slot is the moment a send is due: `hour` o'clock every day (daily) or on `weekday` (weekly).
The period key names the send: the ISO week of the slot ("2026-W48") for weekly sends, its date
("2026-11-27") for daily ones, both read in the slot's own time zone.
"""

from __future__ import annotations

import zoneinfo
from datetime import UTC, datetime, timedelta


def _zone(tz: str) -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(tz)


def period_key(*, cadence: str, slot: datetime) -> str:
    """The period a slot belongs to: "2026-W48" (weekly) or "2026-11-27" (daily)."""
    if cadence == "weekly":
        year, week, _ = slot.isocalendar()
        return f"{year}-W{week:02d}"
    return slot.date().isoformat()


def period_length(*, cadence: str) -> timedelta:
    return timedelta(days=7 if cadence == "weekly" else 1)


def latest_slot(*, cadence: str, weekday: int, hour: int, tz: str, now: datetime) -> datetime:
    """The most recent slot at or before `now`, as an aware datetime in zone `tz`."""
    local = now.astimezone(_zone(tz))
    # Wall-clock arithmetic in the zone: 08:00 stays 08:00 across a DST change.
    candidate = datetime(local.year, local.month, local.day, hour, tzinfo=_zone(tz))
    if cadence == "weekly":
        candidate -= timedelta(days=(candidate.weekday() - weekday) % 7)
    if candidate > local:
        candidate -= period_length(cadence=cadence)
    return candidate


def next_slot(*, cadence: str, weekday: int, hour: int, tz: str, after: datetime) -> datetime:
    """The first slot strictly after `after`, in UTC."""
    slot = latest_slot(cadence=cadence, weekday=weekday, hour=hour, tz=tz, now=after)
    local = slot + period_length(cadence=cadence)
    return datetime(local.year, local.month, local.day, hour, tzinfo=_zone(tz)).astimezone(UTC)
