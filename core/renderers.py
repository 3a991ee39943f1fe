"""The API's pages for browsers: DRF's browsable API, for reading only (docs/api.md#in-a-browser).

A browser that opens an API URL asks for text/html; it gets DRF's page showing the JSON a client
would get, with links to follow. It offers no form: writes go through the API with a token (or a
session and its CSRF token) exactly as before, and a write that accepts only HTML is refused.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import BaseRenderer, BrowsableAPIRenderer
from rest_framework.request import Request

READ_METHODS = ("GET", "HEAD", "OPTIONS")


class ReadOnlyBrowsableAPIRenderer(BrowsableAPIRenderer):
    """DRF's browsable page without its forms (no POST, PUT, PATCH or DELETE form, no raw data
    form, no filter form), so it needs no CSRF token and sets no cookie: an anonymous reader's
    page is shared by the page cache like the JSON (keyed apart by Accept). Its template is
    templates/rest_framework/api.html."""

    def show_form_for_method(self, view: Any, method: str, request: Request, obj: Any) -> bool:
        return False

    def get_rendered_html_form(self, data: Any, view: Any, method: str, request: Request) -> None:
        return None

    def get_filter_form(self, data: Any, view: Any, request: Request) -> None:
        # django-filter's form would list every tag and channel, a query each time.
        return None

    def get_context(
        self, data: Any, accepted_media_type: str, renderer_context: Mapping[str, Any]
    ) -> dict[str, Any]:
        context: dict[str, Any] = super().get_context(data, accepted_media_type, renderer_context)
        # Pygments' style sheet would go into an inline <style>, which the site's CSP refuses;
        # it only colours code in Markdown descriptions, and the API has none.
        context["code_style"] = None
        return context


class ReadOnlyBrowsableNegotiation(DefaultContentNegotiation):
    """DRF's content negotiation, with the browsable page offered to reads only: a write is
    answered in JSON, or refused with 406 when the client accepts nothing but HTML."""

    def select_renderer(
        self, request: Request, renderers: list[BaseRenderer], format_suffix: str | None = None
    ) -> tuple[BaseRenderer, str]:
        if request.method not in READ_METHODS:
            renderers = [r for r in renderers if not isinstance(r, BrowsableAPIRenderer)]
        return super().select_renderer(request, renderers, format_suffix)
