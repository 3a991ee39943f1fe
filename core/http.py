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
