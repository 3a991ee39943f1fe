"""Forms of the moderation pages. They check the shape of the input; the rules are the
services' (docs/moderation.md)."""

from __future__ import annotations

from typing import Any

from django import forms

from core.text import text_problem
from moderation.models import Flag
from posts.models import TITLE_MAX_LENGTH, Tag


class FlagForm(forms.Form):
    """Why a member flags a post or a comment (the reasons depend on which)."""

    reason = forms.ChoiceField(
        label="Why?", widget=forms.RadioSelect, error_messages={"required": "Choose why."}
    )

    def __init__(self, *args: Any, reasons: tuple[Flag.Reason, ...], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reason"].choices = [(reason.value, reason.label) for reason in reasons]


class ReasonForm(forms.Form):
    """The reason a moderator gives for an action, shown in the public log."""

    reason = forms.CharField(
        max_length=300,
        required=False,
        help_text="Shown in the public moderation log (and in a removed item's place).",
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )

    def __init__(self, *args: Any, required: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reason"].required = required


class PostEditForm(ReasonForm):
    """A moderator's better title or tags for a post."""

    title = forms.CharField(max_length=TITLE_MAX_LENGTH + 1)
    tags = forms.ModelMultipleChoiceField(
        queryset=Tag.objects.order_by("slug"),
        to_field_name="slug",
        widget=forms.CheckboxSelectMultiple,
    )

    field_order = ["title", "tags", "reason"]


class MergeForm(ReasonForm):
    """The story a moderator merges a post into: its short id or its page's address."""

    into = forms.CharField(
        label="Merge into",
        max_length=2000,
        help_text="The story to keep: its short id (“a1b2c3”) or the address of its page.",
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )

    field_order = ["into", "reason"]

    def clean_into(self) -> str:
        value: str = self.cleaned_data["into"]
        if problem := text_problem(value):
            raise forms.ValidationError(problem)
        return value


class SuspendForm(forms.Form):
    """How long a member is suspended, and why (shown to them and in the public log)."""

    DURATIONS = [
        ("1", "1 day"),
        ("7", "7 days"),
        ("30", "30 days"),
        ("365", "a year"),
        ("ban", "for good (a ban)"),
    ]

    duration = forms.ChoiceField(choices=DURATIONS, widget=forms.RadioSelect, initial="7")
    reason = forms.CharField(
        max_length=300,
        help_text="Shown to the member when the site refuses them, and in the public log.",
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )

    @property
    def days(self) -> int | None:
        duration = self.cleaned_data["duration"]
        return None if duration == "ban" else int(duration)


class SuggestForm(forms.Form):
    """A member's better title and tags for someone else's post."""

    title = forms.CharField(max_length=TITLE_MAX_LENGTH + 1)
    tags = forms.ModelMultipleChoiceField(
        queryset=Tag.objects.order_by("slug"),
        to_field_name="slug",
        widget=forms.CheckboxSelectMultiple,
    )
