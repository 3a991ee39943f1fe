"""The API's request body parser (docs/api.md#errors)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import IO, Any

from rest_framework import parsers
from rest_framework.exceptions import ParseError


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser, but JSON nested too deeply for Python's parser (`[[[[...`, a few
    kilobytes) is a parse error, a 400, instead of a RecursionError and a 500.

    Being DRF's JSONParser, it still gets the body through Django's `request.body`, which refuses
    one over DATA_UPLOAD_MAX_MEMORY_SIZE (core.api answers that with a 413)."""

    def parse(
        self,
        stream: IO[Any],
        media_type: str | None = None,
        parser_context: Mapping[str, Any] | None = None,
    ) -> Any:
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError("JSON parse error - the JSON is nested too deeply.") from None
