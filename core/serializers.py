"""Input serializer parts every API app shares: unknown fields refused, strings that are strings
and hold only what a user can have meant (docs/api.md#errors)."""

from __future__ import annotations

from typing import Any

from django.core.validators import ProhibitNullCharactersValidator
from drf_spectacular.extensions import OpenApiSerializerExtension, OpenApiSerializerFieldExtension
from rest_framework import serializers
from rest_framework.validators import ProhibitSurrogateCharactersValidator

from core.text import LINE_PATTERN, TEXT_PATTERN
from core.validators import validate_multiline_text, validate_single_line_text

BIGINT_MAX = 2**63 - 1


class StrictSerializer(serializers.Serializer):
    """Refuses fields it does not know, so a typo is an error rather than silently ignored."""

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, dict):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                # A name may hold a lone surrogate (JSON allows "\ud800"), which no UTF-8
                # response can carry: it is echoed as its escape.
                raise serializers.ValidationError(
                    {
                        name.encode("utf-8", "backslashreplace").decode(): ["Unknown field."]
                        for name in unknown
                    }
                )
        return super().to_internal_value(data)


class StrictSerializerSchema(OpenApiSerializerExtension):
    """The schema says it too: a request body of a StrictSerializer allows no other property
    (`additionalProperties: false`), so a client or a fuzzer knows an extra field is an error.
    Registered by importing this module, which every view using StrictSerializer does."""

    target_class = StrictSerializer
    match_subclasses = True

    def map_serializer(self, auto_schema: Any, direction: Any) -> Any:
        schema = auto_schema._map_serializer(self.target, direction, bypass_extensions=True)
        if direction == "request":
            schema["additionalProperties"] = False
        return schema


class TextField(serializers.CharField):
    """A string field that refuses numbers and booleans instead of turning them into text, and
    characters a user cannot have meant: every control character (`multiline` allows tab and
    line breaks), lone surrogates and noncharacters (docs/posting.md#text-a-user-writes)."""

    validators: list[Any]

    def __init__(self, *, multiline: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.multiline = multiline
        # The rule covers NUL and surrogates too: one message per field, not DRF's and ours.
        self.validators = [
            *(
                validator
                for validator in self.validators
                if not isinstance(
                    validator,
                    ProhibitNullCharactersValidator | ProhibitSurrogateCharactersValidator,
                )
            ),
            validate_multiline_text if multiline else validate_single_line_text,
        ]

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class TextFieldSchema(OpenApiSerializerFieldExtension):
    """The schema states the rule too, as a `pattern`, so a client or a fuzzer knows which
    strings are text a user can have meant (core/text.py LINE_PATTERN and TEXT_PATTERN)."""

    target_class = TextField
    match_subclasses = True

    def map_serializer_field(self, auto_schema: Any, direction: Any) -> Any:
        schema = auto_schema._map_serializer_field(self.target, direction, bypass_extensions=True)
        if direction == "request":
            schema["pattern"] = TEXT_PATTERN if self.target.multiline else LINE_PATTERN
        return schema


class WholeNumberField(serializers.IntegerField):
    """A JSON integer: "5", 5.0 and true are refused, as the schema's `integer` says, instead of
    DRF's coercion. Bounded to what a 64-bit id column holds."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", BIGINT_MAX)
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> int:
        if not isinstance(data, int) or isinstance(data, bool):
            self.fail("invalid")
        return super().to_internal_value(data)
