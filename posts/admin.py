from django.contrib import admin
from django.http import HttpRequest

from posts import services
from posts.models import (
    Channel,
    ChannelMembership,
    KeyFact,
    Post,
    SavedPost,
    Tag,
    TimelineEvent,
    Vote,
)


class KeyFactInline(admin.TabularInline):
    model = KeyFact
    extra = 1


class TimelineEventInline(admin.TabularInline):
    model = TimelineEvent
    extra = 1


class ChannelMembershipInline(admin.TabularInline):
    model = ChannelMembership
    extra = 1
    autocomplete_fields = ["user"]


@admin.register(Post)
class PostAdmin(admin.ModelAdmin):
    list_display = ["title", "short_id", "status", "channel", "author", "score", "published_at"]
    list_filter = ["status", "kind", "channel", "tags", "published_at"]
    search_fields = ["title", "url", "short_id", "author__username", "domain"]
    date_hierarchy = "published_at"
    autocomplete_fields = ["author", "channel", "tags"]
    readonly_fields = ["short_id", "normalized_url", "domain", "score", "hotness", "created_at"]
    inlines = [KeyFactInline, TimelineEventInline]
    list_select_related = ["channel", "author"]
    fieldsets = [
        (
            None,
            {"fields": ["title", "url", "channel", "author", "tags", "status", "removed_reason"]},
        ),
        ("Content", {"fields": ["tldr", "body"]}),
        (
            "Ranking and dates",
            {
                "fields": [
                    "published_at",
                    "score",
                    "hotness",
                    "short_id",
                    "normalized_url",
                    "domain",
                    "created_at",
                ]
            },
        ),
    ]

    def save_model(self, request: HttpRequest, obj: Post, form, change: bool) -> None:
        # Derived columns (slug, normalized URL, sanitized HTML, hotness) come from the service.
        services.post_derive_fields(post=obj)
        super().save_model(request, obj, form, change)


@admin.register(Channel)
class ChannelAdmin(admin.ModelAdmin):
    list_display = ["handle", "name", "newsletter_name", "created_at"]
    search_fields = ["handle", "name"]
    inlines = [ChannelMembershipInline]


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ["slug", "name"]
    search_fields = ["slug", "name"]


@admin.register(Vote)
class VoteAdmin(admin.ModelAdmin):
    list_display = ["user", "post", "created_at"]
    raw_id_fields = ["user", "post"]
    list_select_related = ["user", "post"]


@admin.register(SavedPost)
class SavedPostAdmin(admin.ModelAdmin):
    list_display = ["user", "post", "created_at"]
    raw_id_fields = ["user", "post"]
    list_select_related = ["user", "post"]
