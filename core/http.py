"""Small helpers every app's HTML views share: the page size asked for, a 400 page, whether the
caller wants JSON (the in-place actions' fetch), and a safe `next` to go back to."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme


def page_size_from(request: HttpRequest) -> int:
    """The page size asked for with ?page_size= (the API's name; ?per_page= is its older alias),
    kept within 1..FEED_MAX_PAGE_SIZE; a size that is not a number gives the default."""
    raw = request.GET.get("page_size") or request.GET.get("per_page")
    if raw is None:
        return settings.FEED_PAGE_SIZE
    try:
        size = int(raw)
    except ValueError:
        return settings.FEED_PAGE_SIZE
    return max(1, min(size, settings.FEED_MAX_PAGE_SIZE))


# A "More" link counts the pages it leads through (?page=2, 3...), as Hacker News' counts its
# rows (&n=31); the count only labels the page, the cursor alone decides what it shows.
MAX_PAGE_NUMBER = 1_000_000


def page_number_from(request: HttpRequest) -> int | None:
    """Which page of a list paged by "More" links this is (docs/pages.md#paging): 1 without a
    cursor (?after=), the `page` the "More" link counted with one, or None when that count is
    missing or is not a number from 2 to MAX_PAGE_NUMBER (a later page, number unknown)."""
    if not request.GET.get("after"):
        return 1
    raw = request.GET.get("page", "")
    if not (raw.isascii() and raw.isdigit() and len(raw) <= len(str(MAX_PAGE_NUMBER))):
        return None
    number = int(raw)
    return number if 2 <= number <= MAX_PAGE_NUMBER else None


def bad_request(request: HttpRequest, message: str) -> HttpResponse:
    return render(request, "400.html", {"message": message}, status=400)


def wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def safe_next(request: HttpRequest, fallback: str) -> str:
    """The `next` path of the request when it stays on this site, else `fallback`."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    # Only a path: redirect() would take any other word for a URL pattern name to reverse.
    if target.startswith("/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback
