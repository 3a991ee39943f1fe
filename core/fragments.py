"""Cached fragments with slots: a piece of a page rendered once for every reader, kept in the
shared cache, and completed per request with the reader's own parts (docs/performance.md#feed-rows).

A fragment's template is rendered with a plain context (no request, no user), so nothing in it
can depend on who reads it. Where the reader matters it writes a slot, an HTML comment that no
escaped text can produce (`<!--slot:vote-->`, given to the template as a variable named after
the slot); `Fragments.render` replaces each slot with what `fill(slot, obj)` returns, already
escaped, by plain string assembly. Keys carry a hash of the template's source, so a deploy that
changes the template never serves the old markup. When the cache is down (core/cache.py) every
fragment is rendered per request.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Sequence
from functools import cached_property
from typing import Any, Generic, TypeVar

from django.core.cache import cache
from django.template.loader import get_template
from django.utils.safestring import SafeString, mark_safe

from core.cache import cache_call

T = TypeVar("T")


class Fragments(Generic[T]):
    """One kind of fragment, named in its cache keys (no spaces): `template` renders one object
    with `context(obj)`; `key(obj)` is everything a reader can change about the shared part
    (None: never cache this one); `seconds()` how long a fragment is kept (0: not cached);
    `prepare(missing)`, when given, loads what rendering needs for the objects not found in the
    cache, all at once (a page of hits then never loads it)."""

    def __init__(
        self,
        *,
        name: str,
        template: str,
        slots: Sequence[str],
        key: Callable[[T], str | None],
        context: Callable[[T], dict[str, Any]],
        seconds: Callable[[], int],
        prepare: Callable[[list[T]], None] | None = None,
    ) -> None:
        self.name = name
        self.template = template
        self.slots = {slot: mark_safe(f"<!--slot:{slot}-->") for slot in slots}  # noqa: S308
        self.pattern = re.compile("<!--slot:(" + "|".join(map(re.escape, slots)) + ")-->")
        self.key = key
        self.context = context
        self.seconds = seconds
        self.prepare = prepare

    @cached_property
    def version(self) -> str:
        """A hash of the template's source, in every key."""
        source = get_template(self.template).template.source  # type: ignore[attr-defined]
        return hashlib.blake2b(source.encode(), digest_size=6).hexdigest()

    def cache_key(self, obj: T) -> str | None:
        key = self.key(obj)
        return None if key is None else f"fragment:{self.name}:{self.version}:{key}"

    def shared(self, obj: T) -> str:
        """`obj`'s fragment rendered now, slots unfilled."""
        return get_template(self.template).render({**self.context(obj), **self.slots})

    def shared_many(self, objs: Sequence[T]) -> list[str]:
        """Each object's fragment, slots unfilled: from the cache in one round trip where it
        is there, the others rendered and stored in one more."""
        seconds = self.seconds()
        keys = [self.cache_key(obj) if seconds > 0 else None for obj in objs]
        wanted = [key for key in keys if key is not None]
        found: dict[str, str] = {}
        if wanted:
            found = cache_call(f"{self.name} fragments", lambda: cache.get_many(wanted), {})
        fragments: list[str | None] = [found.get(key) if key is not None else None for key in keys]
        missing = [obj for obj, html in zip(objs, fragments, strict=True) if html is None]
        if missing and self.prepare is not None:
            self.prepare(missing)
        rendered: dict[str, str] = {}
        for index, (obj, key) in enumerate(zip(objs, keys, strict=True)):
            if fragments[index] is None:
                html = fragments[index] = self.shared(obj)
                if key is not None:
                    rendered[key] = html
        if rendered:
            cache_call(
                f"{self.name} fragments", lambda: cache.set_many(rendered, timeout=seconds), []
            )
        return [html or "" for html in fragments]

    def render(self, objs: Sequence[T], fill: Callable[[str, T], str]) -> SafeString:
        """The objects' fragments, joined, each slot filled with `fill(slot, obj)`."""
        parts: list[str] = []
        for obj, html in zip(objs, self.shared_many(objs), strict=True):
            pieces = self.pattern.split(html)  # text, slot, text, ..., text
            for index in range(1, len(pieces), 2):
                pieces[index] = fill(pieces[index], obj)
            parts.extend(pieces)
        return mark_safe("".join(parts))  # noqa: S308 (rendered templates and escaped parts)
