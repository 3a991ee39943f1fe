"""The submit and edit form: PostForm plus three formsets (key numbers, key entities, timeline
entries).

TL;DR bullets are a textarea, one bullet per line: it works without JavaScript, pastes well from
notes, and needs no extra rows. Key numbers, key entities and timeline entries are Django formsets
with blank rows to fill; "Add a row" buttons submit the form to get one more row without JavaScript,
and static/js/faun.js turns them into instant rows. The forms check shape (lengths, URL syntax,
known tags, the user's channels, no control characters: docs/posting.md#text-a-user-writes);
`posts.services` checks the rules that need the database, and its `PostRejected` errors are shown on
the same fields.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.http import QueryDict

from accounts.models import User
from core.text import text_problem
from core.validators import validate_multiline_text, validate_single_line_text
from posts.models import (
    BODY_MAX_LENGTH,
    ENTITIES_MAX,
    ENTITY_NAME_MAX_LENGTH,
    ENTITY_ROLE_MAX_LENGTH,
    KEY_FACTS_MAX,
    LEAD_MAX_LENGTH,
    QUOTE_MAX_LENGTH,
    QUOTE_SOURCE_MAX_LENGTH,
    REMOVED_REASON_MAX_LENGTH,
    TAGS_MAX,
    TAGS_MIN,
    TIMELINE_EVENTS_MAX,
    TITLE_MAX_LENGTH,
    TITLE_MIN_LENGTH,
    TLDR_BULLET_MAX_LENGTH,
    TLDR_MAX_BULLETS,
    Channel,
    Entity,
    KeyFact,
    Post,
    Tag,
    TimelineEvent,
)
from posts.services.content import EntityData, KeyFactData, PostContent, TimelineEventData
from posts.services.errors import PostRejected
from posts.urlnorm import MAX_URL_LENGTH, validate_public_url

ISO_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class PostForm(forms.Form):
    url = forms.CharField(
        label="URL",
        required=False,
        max_length=MAX_URL_LENGTH,
        validators=[validate_single_line_text],
        widget=forms.URLInput(attrs={"placeholder": "https://", "autocomplete": "off"}),
        help_text="Leave empty for a text post.",
    )
    title = forms.CharField(
        min_length=TITLE_MIN_LENGTH,
        max_length=TITLE_MAX_LENGTH,
        validators=[validate_single_line_text],
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    lead = forms.CharField(
        required=False,
        max_length=LEAD_MAX_LENGTH,
        validators=[validate_single_line_text],
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
        help_text=(
            f"Optional: the story in one sentence (up to {LEAD_MAX_LENGTH} characters), shown "
            "under the byline and in link previews."
        ),
    )
    tags = forms.ModelMultipleChoiceField(
        queryset=Tag.objects.order_by("slug"),
        to_field_name="slug",
        widget=forms.CheckboxSelectMultiple,
        help_text=f"Choose {TAGS_MIN} to {TAGS_MAX}.",
        error_messages={
            "required": f"Choose {TAGS_MIN} to {TAGS_MAX} tags.",
            "invalid_choice": "There is no tag “%(value)s”.",
            "invalid_pk_value": "There is no tag “%(pk)s”.",
        },
    )
    channel = forms.ModelChoiceField(
        queryset=Channel.objects.none(),
        to_field_name="handle",
        required=False,
        empty_label="Nobody: post as myself",
        label="On behalf of",
        error_messages={
            "invalid_choice": "You can only post on behalf of channels you belong to.",
        },
    )
    tldr = forms.CharField(
        label="TL;DR",
        required=False,
        validators=[validate_multiline_text],
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=(
            f"One bullet per line, up to {TLDR_MAX_BULLETS} lines of "
            f"{TLDR_BULLET_MAX_LENGTH} characters."
        ),
    )
    body = forms.CharField(
        label="Text",
        required=False,
        max_length=BODY_MAX_LENGTH,
        strip=False,
        validators=[validate_multiline_text],
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text="Markdown. Required for a text post; a summary for a link.",
    )
    quote = forms.CharField(
        label="Quote",
        required=False,
        max_length=QUOTE_MAX_LENGTH,
        strip=False,
        validators=[validate_multiline_text],
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="Optional: an excerpt of the original, in Markdown.",
    )
    quote_source = forms.CharField(
        label="Quoted from",
        required=False,
        max_length=QUOTE_SOURCE_MAX_LENGTH,
        validators=[validate_single_line_text],
        widget=forms.TextInput(attrs={"placeholder": "e.g. lore.kernel.org"}),
        help_text="Where the excerpt was published. Required with a quote.",
    )
    quote_url = forms.CharField(
        label="Link to the quoted text",
        required=False,
        max_length=MAX_URL_LENGTH,
        validators=[validate_single_line_text],
        widget=forms.URLInput(attrs={"placeholder": "https://", "autocomplete": "off"}),
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.fields["channel"].queryset = (  # type: ignore[attr-defined]
            Channel.objects.filter(memberships__user=user).order_by("handle")
        )

    def clean_url(self) -> str:
        return _clean_link(self.cleaned_data["url"])

    def clean_quote_url(self) -> str:
        return _clean_link(self.cleaned_data["quote_url"])

    def clean_tags(self) -> QuerySet[Tag]:
        tags = self.cleaned_data["tags"]
        if not TAGS_MIN <= len(tags) <= TAGS_MAX:
            raise forms.ValidationError(f"Choose {TAGS_MIN} to {TAGS_MAX} tags.", code="tag_count")
        return tags

    def clean_tldr(self) -> list[str]:
        bullets = [line.strip() for line in self.cleaned_data["tldr"].splitlines() if line.strip()]
        errors = []
        if len(bullets) > TLDR_MAX_BULLETS:
            errors.append(f"Write at most {TLDR_MAX_BULLETS} bullets (one per line).")
        if any(len(line) > TLDR_BULLET_MAX_LENGTH for line in bullets):
            errors.append(f"Keep each bullet to {TLDR_BULLET_MAX_LENGTH} characters.")
        # The textarea may hold tabs; a bullet is one line, as in the API.
        errors.extend(dict.fromkeys(filter(None, map(text_problem, bullets))))
        if errors:
            raise forms.ValidationError(errors)
        return bullets

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        no_content = not cleaned.get("url") and not (cleaned.get("body") or "").strip()
        if no_content and "url" not in self.errors and "body" not in self.errors:
            self.add_error("body", "Add a link, or write the text of your post here.")
        return cleaned


def _clean_link(url: str) -> str:
    url = url.strip()
    if url:
        try:
            validate_public_url(url)
        except ValueError as exc:
            raise forms.ValidationError(str(exc), code="invalid_url") from None
    return url


class _RowForm(forms.Form):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class KeyFactForm(_RowForm):
    value = forms.CharField(
        required=False,
        max_length=KeyFact._meta.get_field("value").max_length,
        validators=[validate_single_line_text],
        widget=forms.TextInput(attrs={"placeholder": "e.g. 40%"}),
    )
    description = forms.CharField(
        required=False,
        max_length=KeyFact._meta.get_field("description").max_length,
        validators=[validate_single_line_text],
        widget=forms.TextInput(attrs={"placeholder": "what the number measures"}),
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        value, description = cleaned.get("value"), cleaned.get("description")
        if value and not description and "description" not in self.errors:
            self.add_error("description", "Say what the number measures.")
        if description and not value and "value" not in self.errors:
            self.add_error("value", "Enter the number.")
        return cleaned


class TimelineEventForm(_RowForm):
    when = forms.CharField(
        required=False,
        max_length=TimelineEvent._meta.get_field("when").max_length,
        validators=[validate_single_line_text],
        widget=forms.TextInput(attrs={"placeholder": "2025-03-01 or Q1 2027"}),
    )
    description = forms.CharField(
        required=False,
        max_length=TimelineEvent._meta.get_field("description").max_length,
        validators=[validate_single_line_text],
        widget=forms.TextInput(attrs={"placeholder": "what happened"}),
    )

    def clean_when(self) -> str | date:
        when = self.cleaned_data["when"].strip()
        if ISO_DATE_RE.match(when):
            try:
                return date.fromisoformat(when)
            except ValueError:
                raise forms.ValidationError("That date does not exist.") from None
        return when

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        when, description = cleaned.get("when"), cleaned.get("description")
        if when and not description and "description" not in self.errors:
            self.add_error("description", "Say what happened.")
        if description and not when and "when" not in self.errors:
            self.add_error("when", "Enter a date or a period.")
        return cleaned


class EntityForm(_RowForm):
    name = forms.CharField(
        required=False,
        max_length=ENTITY_NAME_MAX_LENGTH,
        validators=[validate_single_line_text],
        widget=forms.TextInput(attrs={"placeholder": "e.g. Rust", "autocomplete": "off"}),
    )
    kind = forms.ChoiceField(
        required=False,
        choices=[("", "Kind (for a new one)"), *Entity.Kind.choices],
        error_messages={"invalid_choice": "Choose a kind from the list."},
    )
    role = forms.CharField(
        required=False,
        max_length=ENTITY_ROLE_MAX_LENGTH,
        validators=[validate_single_line_text],
        widget=forms.TextInput(attrs={"placeholder": "its part in the story"}),
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        name, role = cleaned.get("name"), cleaned.get("role")
        if name and not role and "role" not in self.errors:
            self.add_error("role", "Say what part it plays in the story.")
        if (role or cleaned.get("kind")) and not name and "name" not in self.errors:
            self.add_error("name", "Enter the name.")
        return cleaned


class _RowFormSet(forms.BaseFormSet):
    default_error_messages = {"too_many_forms": "Add at most %(num)d rows."}


KeyFactFormSet = forms.formset_factory(
    KeyFactForm,
    formset=_RowFormSet,
    extra=3,
    max_num=KEY_FACTS_MAX,
    absolute_max=KEY_FACTS_MAX,
)
EntityFormSet = forms.formset_factory(
    EntityForm,
    formset=_RowFormSet,
    extra=3,
    max_num=ENTITIES_MAX,
    absolute_max=ENTITIES_MAX,
)
TimelineEventFormSet = forms.formset_factory(
    TimelineEventForm,
    formset=_RowFormSet,
    extra=3,
    max_num=TIMELINE_EVENTS_MAX,
    absolute_max=TIMELINE_EVENTS_MAX,
)

KEY_FACTS_PREFIX = "key_facts"
ENTITIES_PREFIX = "entities"
TIMELINE_PREFIX = "timeline"
# The name="action" values of the form's submit buttons ("Add a row" ones map to a formset).
ADD_ROW_ACTIONS = {
    "add_key_fact": KEY_FACTS_PREFIX,
    "add_entity": ENTITIES_PREFIX,
    "add_timeline_event": TIMELINE_PREFIX,
}
ROW_LIMITS = {
    KEY_FACTS_PREFIX: KEY_FACTS_MAX,
    ENTITIES_PREFIX: ENTITIES_MAX,
    TIMELINE_PREFIX: TIMELINE_EVENTS_MAX,
}


class PostEditor:
    """PostForm and its three formsets, bound together and turned into service arguments."""

    def __init__(
        self,
        *,
        user: User,
        data: QueryDict | None = None,
        post: Post | None = None,
        initial: dict[str, Any] | None = None,
        facts_initial: list[dict[str, Any]] | None = None,
        events_initial: list[dict[str, Any]] | None = None,
        entities_initial: list[dict[str, Any]] | None = None,
    ) -> None:
        if post is not None and data is None:
            initial = {
                "url": post.url,
                "title": post.title,
                "lead": post.lead,
                "tags": list(post.tags.all()),
                "channel": post.channel,
                "tldr": "\n".join(post.tldr),
                "body": post.body,
                "quote": post.quote,
                "quote_source": post.quote_source,
                "quote_url": post.quote_url,
            }
            facts_initial = [
                {"value": fact.value, "description": fact.description}
                for fact in post.key_facts.all()
            ]
            events_initial = [
                {
                    "when": event.date.isoformat() if event.date else event.when,
                    "description": event.description,
                }
                for event in post.timeline_events.all()
            ]
            entities_initial = [
                {"name": row.entity.name, "kind": row.entity.kind, "role": row.role}
                for row in post.entity_rows.all()
            ]
        self.form = PostForm(data, user=user, initial=initial)
        self.key_facts = KeyFactFormSet(data, prefix=KEY_FACTS_PREFIX, initial=facts_initial)
        self.entities = EntityFormSet(
            _with_management_form(data, ENTITIES_PREFIX),
            prefix=ENTITIES_PREFIX,
            initial=entities_initial,
        )
        self.timeline = TimelineEventFormSet(data, prefix=TIMELINE_PREFIX, initial=events_initial)
        self.rejection: PostRejected | None = None
        self.extra_errors: dict[str, list[str]] = {}

    @classmethod
    def with_added_row(cls, *, user: User, data: QueryDict, prefix: str) -> PostEditor:
        """The no-JavaScript "Add a row": what was typed, unbound (so no errors show yet), with
        one more blank row in the `prefix` formset."""
        typed = cls(user=user, data=data)
        initial = {name: typed.form[name].value() for name in typed.form.fields}
        rows = {
            KEY_FACTS_PREFIX: [_typed_row(form) for form in typed.key_facts.forms],
            ENTITIES_PREFIX: [_typed_row(form) for form in typed.entities.forms],
            TIMELINE_PREFIX: [_typed_row(form) for form in typed.timeline.forms],
        }
        if prefix in rows and len(rows[prefix]) < ROW_LIMITS[prefix]:
            rows[prefix].append({})
        editor = cls(
            user=user,
            initial=initial,
            facts_initial=rows[KEY_FACTS_PREFIX],
            events_initial=rows[TIMELINE_PREFIX],
            entities_initial=rows[ENTITIES_PREFIX],
        )
        # The typed rows already include the blank ones; no extra rows on top.
        editor.key_facts.extra = editor.entities.extra = editor.timeline.extra = 0
        return editor

    def is_valid(self) -> bool:
        # Every part is validated, so the page shows all the errors at once.
        results = [
            self.form.is_valid(),
            self.key_facts.is_valid(),
            self.entities.is_valid(),
            self.timeline.is_valid(),
        ]
        return all(results)

    def content(self) -> PostContent:
        """What the author wrote, for post_submit / post_update / post_draft_build. Call after
        is_valid()."""
        data = self.form.cleaned_data
        key_facts = [
            KeyFactData(value=row["value"], description=row["description"])
            for row in self.key_facts.cleaned_data
            if row.get("value") or row.get("description")
        ]
        entities = [
            EntityData(name=row["name"], kind=row.get("kind", ""), role=row["role"])
            for row in self.entities.cleaned_data
            if row.get("name") or row.get("role")
        ]
        timeline = []
        for row in self.timeline.cleaned_data:
            when = row.get("when")
            if not when and not row.get("description"):
                continue
            timeline.append(
                TimelineEventData(
                    description=row["description"],
                    date=when if isinstance(when, date) else None,
                    when=when if isinstance(when, str) else "",
                )
            )
        return PostContent.of(
            url=data["url"],
            title=data["title"],
            lead=data["lead"],
            tags=data["tags"],
            channel=data.get("channel"),
            tldr=data["tldr"],
            body=data["body"],
            quote=data["quote"],
            quote_source=data["quote_source"],
            quote_url=data["quote_url"],
            key_facts=key_facts,
            timeline=timeline,
            entities=entities,
        )

    def reject(self, exc: PostRejected) -> None:
        """Show a service's refusal on the fields it names."""
        self.rejection = exc
        for field, messages in exc.errors.items():
            if field in self.form.fields:
                self.form.add_error(field, messages)
            elif field in ROW_LIMITS:
                self.extra_errors[field] = messages
            else:
                self.form.add_error(None, messages)


def _with_management_form(data: QueryDict | None, prefix: str) -> QueryDict | None:
    """`data`, with an empty management form for `prefix` when it has none: a form page
    rendered before that formset existed (or a script) still posts, with no rows for it."""
    if data is None or f"{prefix}-TOTAL_FORMS" in data:
        return data
    data = data.copy()
    data[f"{prefix}-TOTAL_FORMS"] = data[f"{prefix}-INITIAL_FORMS"] = "0"
    return data


def _typed_row(form: forms.Form) -> dict[str, Any]:
    return {name: form[name].value() or "" for name in form.fields}


class PostRemoveForm(_RowForm):
    reason = forms.CharField(
        max_length=REMOVED_REASON_MAX_LENGTH,
        validators=[validate_single_line_text],
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
        help_text="Shown on the post's page.",
    )
