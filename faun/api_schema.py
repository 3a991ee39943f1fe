"""OpenAPI schema tweaks for drf-spectacular (kept apart from core.api: DRF imports the throttle
classes there while drf-spectacular itself is importing DRF's settings)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema

from core.text import LINE_PATTERN


class AutoSchema(SpectacularAutoSchema):
    """Marks reads as open to anonymous callers wherever the permission lets them read."""

    def get_auth(self) -> list[dict[str, Any]]:
        auths = super().get_auth()
        readable = any(
            getattr(p, "allows_anonymous_reads", False) for p in self.view.get_permissions()
        )
        if readable and self.method in ("GET", "HEAD", "OPTIONS") and {} not in auths:
            auths.append({})
        return auths


ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {
                "code": {"type": "string", "example": "invalid"},
                "message": {"type": "string", "example": "The request has invalid fields."},
                "fields": {
                    "type": "object",
                    "additionalProperties": {"type": "array", "items": {"type": "string"}},
                    "example": {"title": ["This field is required."]},
                },
            },
        }
    },
}
ERROR_RESPONSES = {
    "400": "Invalid input: see `error.fields`.",
    "401": "Missing or invalid credentials.",
    "403": "Not allowed for this user or token.",
    "404": "Not found, or not visible to the caller.",
    "405": "Method not allowed.",
    "406": "Only application/json responses are available.",
    "415": "Send JSON (Content-Type: application/json).",
    "429": "Too many requests: wait for `Retry-After` seconds.",
}
SAFE_ERRORS = {"400", "401", "404", "405", "406", "429"}


def add_error_responses(result: dict[str, Any], generator: Any, **kwargs: Any) -> dict[str, Any]:
    """drf-spectacular hook: document the shared error body on every operation."""
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    ref = {"$ref": "#/components/schemas/Error"}
    for path_item in result.get("paths", {}).values():
        for method, operation in path_item.items():
            codes = (
                ERROR_RESPONSES
                if method != "get"
                else {code: text for code, text in ERROR_RESPONSES.items() if code in SAFE_ERRORS}
            )
            responses = operation.setdefault("responses", {})
            for code, text in codes.items():
                responses.setdefault(
                    code, {"description": text, "content": {"application/json": {"schema": ref}}}
                )
            if "429" in responses:
                responses["429"].setdefault(
                    "headers",
                    {"Retry-After": {"schema": {"type": "integer"}, "description": "Seconds."}},
                )
    return result


def add_text_patterns(result: dict[str, Any], generator: Any, **kwargs: Any) -> dict[str, Any]:
    """drf-spectacular hook: every free-text query parameter says, as a `pattern`, that it holds
    no control character, lone surrogate or noncharacter, which the site refuses in any query
    parameter with a 400 (faun.middleware.ControlCharactersMiddleware)."""
    for path_item in result.get("paths", {}).values():
        for operation in path_item.values():
            for parameter in operation.get("parameters", []):
                schema = parameter.get("schema", {})
                if (
                    parameter.get("in") == "query"
                    and schema.get("type") == "string"
                    and not {"enum", "format", "pattern"} & set(schema)
                ):
                    schema["pattern"] = LINE_PATTERN
    return result
