from typing import Any

from django.conf import settings
from django.http import HttpRequest

from core.http import page_number_from


def site(request: HttpRequest) -> dict[str, str]:
    """Site name and absolute base URL for templates (titles, Open Graph tags)."""
    return {"SITE_NAME": settings.SITE_NAME, "SITE_URL": settings.SITE_URL}


def keyset_page(request: HttpRequest) -> dict[str, Any]:
    """Where the reader is in a list paged by "More" links: `page_later` on every page after the
    first, `page_number` (1, 2... or None when a later page's number is unknown) for headings,
    titles and the next "More" link (templates/posts/_pager.html)."""
    return {"page_later": bool(request.GET.get("after")), "page_number": page_number_from(request)}
