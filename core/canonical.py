"""Canonical forms of what people type in many spellings: names and email addresses.

A limit keyed on the literal text is a limit per spelling. "alice" spelled with a dotless i
(U+0131) is another string to Python's `lower()`, yet PostgreSQL's `UPPER()` makes both "ALICE";
"victim+1@example.com" and `"victim"@example.com` reach the mailbox of "victim@example.com".
Limits and look-ups key on these forms instead (docs/accounts.md#rate-limits).
"""

from __future__ import annotations

import contextlib
import unicodedata


def text_fold(text: str) -> str:
    """The form every spelling of `text` that a case-insensitive comparison could equate with it
    shares: NFKC (fullwidth letters, the Kelvin sign, long s and ligatures become their plain
    letters), then upper case before case folding, because upper case is where letters such as
    the dotless i (U+0131) meet their ASCII twin (U+0131 -> I -> i), then NFKC again.

    A key for counting, not a name to show or store: it folds more than any one comparison does.
    """
    normalized = unicodedata.normalize("NFKC", text.strip())
    return unicodedata.normalize("NFKC", normalized.upper().casefold())


def email_canonical(address: str) -> str:
    """The mailbox `address` is delivered to, as one key: folded like `text_fold`, the local part
    without its quotes (`"victim"@` is `victim@`) and without a `+tag` (sub-addressing, which
    common mail providers deliver to the untagged mailbox), the domain in its IDNA (ASCII) form
    without a trailing dot.

    Two addresses with the same canonical form may still be different mailboxes on an unusual
    server; they then share a limit, which errs on the side of fewer emails.
    """
    folded = text_fold(address)
    local, at, domain = folded.rpartition("@")
    if not at:
        return folded
    if len(local) >= 2 and local.startswith('"') and local.endswith('"'):
        local = _unquote(local[1:-1])
    local = local.partition("+")[0]
    domain = domain.rstrip(".")
    # A name IDNA cannot encode stays as folded: still one key per spelling.
    with contextlib.suppress(UnicodeError):
        domain = domain.encode("idna").decode("ascii")
    return f"{local}@{domain}"


def _unquote(quoted: str) -> str:
    """The content of an RFC 5321 quoted string: a backslash quotes the character after it."""
    chars: list[str] = []
    escaped = False
    for char in quoted:
        if escaped or char != "\\":
            chars.append(char)
            escaped = False
        else:
            escaped = True
    return "".join(chars)
