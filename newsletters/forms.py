"""Forms of the newsletter pages and of the digest section on the settings page."""

from __future__ import annotations

import zoneinfo

from django import forms

from core.validators import validate_single_line_text
from posts.models import Channel, Tag


class NewsletterSubscribeForm(forms.Form):
    email = forms.EmailField(
        label="Email address",
        max_length=254,
        # Django's address check lets a quoted local part hold control characters
        # (docs/posting.md#text-a-user-writes).
        validators=[validate_single_line_text],
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        error_messages={"invalid": "Enter a valid email address, such as ada@example.com."},
    )


WEEKDAYS = [
    (0, "Monday"),
    (1, "Tuesday"),
    (2, "Wednesday"),
    (3, "Thursday"),
    (4, "Friday"),
    (5, "Saturday"),
    (6, "Sunday"),
]


def _timezone_choices() -> list[tuple[str, str]]:

    return [(name, name) for name in sorted(zoneinfo.available_timezones())]


class DigestPreferenceForm(forms.Form):
    frequency = forms.ChoiceField(
        label="Personal digest",
        choices=[("off", "Off"), ("daily", "Daily"), ("weekly", "Weekly")],
        help_text="The best posts from the tags and channels you follow, since your last digest.",
    )
    weekday = forms.TypedChoiceField(
        label="Day (weekly digest)", choices=WEEKDAYS, coerce=int, initial=0
    )
    hour = forms.TypedChoiceField(
        label="Hour",
        choices=[(hour, f"{hour:02d}:00") for hour in range(24)],
        coerce=int,
        initial=8,
    )
    timezone = forms.ChoiceField(label="Time zone", choices=_timezone_choices, initial="UTC")
    tags = forms.ModelMultipleChoiceField(
        label="Tags you follow",
        queryset=Tag.objects.order_by("slug"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    channels = forms.ModelMultipleChoiceField(
        label="Channels you follow",
        queryset=Channel.objects.order_by("handle"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
