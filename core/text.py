"""Short texts that several apps put in messages and emails, and the rule for what text a user
may write (and what XML output must leave out)."""

from __future__ import annotations

import math
import re

DAY = 24 * 3600


def duration_text(seconds: float) -> str:
    """'3 days', '6 hours', '4 minutes': how long something lasts or how long to wait.

    Whole days from two days up, else hours from an hour up, else minutes; hours and minutes
    are rounded up, so a wait is never understated."""
    if seconds >= 2 * DAY and seconds % DAY == 0:
        return f"{int(seconds // DAY)} days"
    minutes = max(1, math.ceil(seconds / 60))
    if minutes < 60:
        return f"{minutes} minute{'s' if minutes != 1 else ''}"
    hours = math.ceil(minutes / 60)
    return f"{hours} hour{'s' if hours != 1 else ''}"


def excerpt(text: str, limit: int) -> str:
    """`text` cut to at most `limit` characters at a word boundary, with "…" when it was cut
    (a search result's snippet, docs/search.md). A single word longer than `limit` is cut inside
    it, since showing nothing would be worse."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    room = text[: max(limit - 1, 0)]
    boundary = room.rfind(" ") if text[len(room)] != " " else len(room)
    if boundary > 0:
        room = room[:boundary]
    return room.rstrip(" ,;:·-\u2013\u2014") + "…"


def ago_text(seconds: float) -> str:
    """'just now', '4m ago', '9h ago', '3d ago', '5mo ago', '2y ago': how long ago, compact.

    Rounded down (9 hours 36 minutes is '9h ago'), so a time is never overstated; under a
    minute, and a time in the future (a clock a little ahead), is 'just now'."""
    minutes = int(seconds // 60)
    if minutes < 1:
        return "just now"
    if minutes < 60:
        return f"{minutes}m ago"
    hours = minutes // 60
    if hours < 24:
        return f"{hours}h ago"
    days = hours // 24
    if days < 30:
        return f"{days}d ago"
    if days < 365:
        return f"{days // 30}mo ago"
    return f"{days // 365}y ago"


# What a user may write (docs/posting.md#text-a-user-writes): no control character (C0, DEL,
# C1), no lone surrogate (PostgreSQL cannot store one; UTF-8 cannot encode it) and no Unicode
# noncharacter (U+FDD0-U+FDEF and the last two code points of every plane, U+FFFE and U+FFFF
# among them). Together with NUL these cover every code point XML 1.0 cannot carry and every
# one an HTML parser reports as an error, so what passes can be stored, and shown in HTML, JSON,
# RSS/Atom and email alike. Multi-line text keeps tab, line feed and carriage return.
_NONCHARACTERS = "\ufdd0-\ufdef" + "".join(
    f"{chr(plane + 0xFFFE)}{chr(plane + 0xFFFF)}" for plane in range(0, 0x110000, 0x10000)
)
_NOT_IN_LINE = re.compile(f"[\x00-\x1f\x7f-\x9f\ud800-\udfff{_NONCHARACTERS}]")
_NOT_IN_TEXT = re.compile(f"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff{_NONCHARACTERS}]")
# The same rules as JSON Schema patterns, for the API's schema (faun/api_schema.py): a pattern
# escapes each code point as \uXXXX, which ECMA-262 regular expressions (JSON Schema's dialect)
# and Python's read alike. Lone surrogates (no UTF-8 text can hold one, and regex engines that
# work on Unicode scalar values cannot name them) and the noncharacters of the planes above the
# first (not writable in that notation without the `u` flag) are left out of the patterns: the
# API still refuses them.
_PATTERN_LINE = "\\u0000-\\u001f\\u007f-\\u009f\\ufdd0-\\ufdef\\ufffe\\uffff"
LINE_PATTERN = f"^[^{_PATTERN_LINE}]*$"
TEXT_PATTERN = (
    "^[^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f-\\u009f\\ufdd0-\\ufdef\\ufffe\\uffff]*$"
)
# What XML 1.0 (section 2.2, "Char") cannot carry at all, for output that must stay well-formed
# whatever is stored.
_NOT_IN_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def text_problem(text: str, *, multiline: bool = False) -> str | None:
    """Why `text` cannot be accepted as something a user wrote, as a message for its field, or
    None when it can. One line refuses every control character, tab and line breaks included;
    multi-line text allows tab, line feed and carriage return."""
    found = (_NOT_IN_TEXT if multiline else _NOT_IN_LINE).search(text)
    if found is None:
        return None
    char = found.group()
    if char in "\n\r":
        return "Keep this to one line."
    return f"Remove the invisible character U+{ord(char):04X}: it cannot be stored or shown."


def xml_safe(text: str) -> str:
    """`text` without the code points XML 1.0 cannot carry (NUL and other C0 controls but tab,
    line feed and carriage return; lone surrogates; U+FFFE and U+FFFF)."""
    return _NOT_IN_XML.sub("", text)
