"""A small rate limiter on the Django cache (Redis in production, local memory otherwise).

Each limit counts hits per identifier (an account name, a client address, an email address) in a
window that starts at the first hit: ten failed log-ins within fifteen minutes of the first one
block the eleventh until those fifteen minutes are over. Counters live in the cache, so they hold
across web processes when the cache is Redis.

Identifiers are hashed before they become cache keys, so the cache never holds email addresses,
and they are counted whether or not an account exists, so a limit never reveals which do. Each is
counted in its canonical form (core/canonical.py): a name in every spelling that some
case-insensitive comparison equates with it, an email address by the mailbox it reaches, so a
new spelling never brings a fresh allowance (docs/accounts.md#rate-limits).

If the cache itself is down the limiter lets requests through and logs the error (at most once a
minute, core/cache.py): a Redis outage must not lock everyone out of their account.
"""

from __future__ import annotations

import hashlib
import math
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

from core.cache import cache_failed, cache_skipped
from core.canonical import email_canonical, text_fold


@dataclass(frozen=True)
class Limit:
    scope: str
    limit: int
    window: int  # seconds

    def _key(self, ident: str) -> str:
        digest = hashlib.sha256(f"{self.scope}\x00{text_fold(ident)}".encode()).hexdigest()
        return f"rl:{self.scope}:{digest[:40]}"

    def retry_after(self, ident: str) -> int:
        """Seconds until `ident` may try again: 0 while it is under the limit."""
        key = self._key(ident)
        if cache_skipped():
            return 0
        try:
            values = cache.get_many([key, f"{key}:t"])
        except Exception as exc:
            cache_failed(where=f"rate limit {self.scope}, allowing", exc=exc)
            return 0
        if int(values.get(key) or 0) < self.limit:
            return 0
        started = float(values.get(f"{key}:t") or time.time())
        return max(1, math.ceil(started + self.window - time.time()))

    def hit(self, ident: str) -> int:
        """Count one attempt for `ident`; returns the count in the current window."""
        key = self._key(ident)
        if cache_skipped():
            return 0
        try:
            if cache.add(key, 1, timeout=self.window):
                cache.set(f"{key}:t", time.time(), timeout=self.window)
                return 1
            try:
                return int(cache.incr(key))
            except ValueError:  # the window ended between add() and incr()
                cache.set(key, 1, timeout=self.window)
                cache.set(f"{key}:t", time.time(), timeout=self.window)
                return 1
        except Exception as exc:
            cache_failed(where=f"rate limit {self.scope}, not counting", exc=exc)
            return 0

    def reset(self, ident: str) -> None:
        key = self._key(ident)
        if cache_skipped():
            return
        try:
            cache.delete_many([key, f"{key}:t"])
        except Exception as exc:
            cache_failed(where=f"rate limit {self.scope}, not reset", exc=exc)


def login_failures_per_account() -> Limit:
    return Limit(
        "login-account",
        settings.ACCOUNTS_LOGIN_FAILURE_LIMIT,
        settings.ACCOUNTS_LOGIN_FAILURE_WINDOW,
    )


def login_failures_per_client() -> Limit:
    return Limit(
        "login-client",
        settings.ACCOUNTS_LOGIN_FAILURE_LIMIT,
        settings.ACCOUNTS_LOGIN_FAILURE_WINDOW,
    )


def emails_per_address() -> Limit:
    return Limit(
        "email-address", settings.ACCOUNTS_EMAIL_LIMIT, settings.ACCOUNTS_EMAIL_LIMIT_WINDOW
    )


def emails_per_client() -> Limit:
    # A client may ask for emails to a few addresses of its own (typos happen), not to hundreds.
    return Limit(
        "email-client", settings.ACCOUNTS_EMAIL_LIMIT * 2, settings.ACCOUNTS_EMAIL_LIMIT_WINDOW
    )


def client_ip(request: HttpRequest) -> str:
    """The client's address: the socket's peer, or with TRUSTED_PROXY_COUNT proxies in front, the
    address the outermost trusted proxy saw (the entry it appended to X-Forwarded-For). Entries
    further left are written by the client and cannot be trusted."""
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies > 0:
        forwarded = [
            part.strip()
            for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if part.strip()
        ]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return str(request.META.get("REMOTE_ADDR", ""))


def email_request_retry_after(*, request: HttpRequest, address: str) -> int:
    """Check and count one visitor-triggered email (resend, reset). Returns 0 when allowed, or
    the seconds to wait. Counted for every address asked for, known or not, per mailbox: every
    spelling of an address that reaches the same mailbox shares one allowance."""
    per_address, per_client = emails_per_address(), emails_per_client()
    mailbox, ip = email_canonical(address), client_ip(request)
    wait = max(per_address.retry_after(mailbox), per_client.retry_after(ip))
    if wait:
        return wait
    per_address.hit(mailbox)
    per_client.hit(ip)
    return 0


def wait_phrase(seconds: int) -> str:
    """ "in 14 minutes", "in 30 seconds": for messages that say when to try again."""
    if seconds >= 90:
        minutes = math.ceil(seconds / 60)
        return f"in {minutes} minutes"
    return f"in {seconds} second{'s' if seconds != 1 else ''}"
