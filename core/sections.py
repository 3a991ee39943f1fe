"""A part of a page that another app contributes through a signal: the app that owns the page
sends the signal, each receiver returns a `PageSection`, and the page includes each template with
its context (docs/architecture.md#layers: how a lower app's page shows a higher app's part)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class PageSection:
    """A template to include and the context it needs, as `section` in that template."""

    template: str
    context: dict[str, Any] = field(default_factory=dict)


def sections_from(responses: Iterable[tuple[Any, Any]]) -> list[PageSection]:
    """The sections among a signal's `send()` results, in receiver order."""
    return [section for _, section in responses if isinstance(section, PageSection)]
