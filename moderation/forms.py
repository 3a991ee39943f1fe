"""Forms of the moderation pages. They check the shape of the input; the rules are the
services' (docs/moderation.md)."""

from __future__ import annotations

from typing import Any

from django import forms

from moderation.models import Flag


class FlagForm(forms.Form):
    """Why a member flags a post or a comment (the reasons depend on which)."""

    reason = forms.ChoiceField(
        label="Why?", widget=forms.RadioSelect, error_messages={"required": "Choose why."}
    )

    def __init__(self, *args: Any, reasons: tuple[Flag.Reason, ...], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reason"].choices = [(reason.value, reason.label) for reason in reasons]
