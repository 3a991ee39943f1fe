"""Forms of the discussion pages. They check the shape of the input; the rules (length, control
characters, rate limits) are the services', so the API refuses the same things."""

from __future__ import annotations

from django import forms

from discussion.models import COMMENT_BODY_MAX_LENGTH, REMOVED_REASON_MAX_LENGTH


class CommentForm(forms.Form):
    body = forms.CharField(
        label="Your comment",
        # One more than the limit, so the service's message (with the count) is the one shown.
        max_length=COMMENT_BODY_MAX_LENGTH + 1,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="Markdown: *emphasis*, `code`, [links](https://example.com), > quotes. "
        "Mention someone with @username.",
        error_messages={"required": "Write something first."},
    )


class CommentRemoveForm(forms.Form):
    reason = forms.CharField(
        max_length=REMOVED_REASON_MAX_LENGTH,
        help_text="Shown in the comment's place.",
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )


class NotificationPreferenceForm(forms.Form):
    email_replies = forms.BooleanField(
        label="Email me replies to my posts and comments", required=False
    )
    email_mentions = forms.BooleanField(label="Email me when someone mentions me", required=False)
