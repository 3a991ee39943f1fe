from django.contrib import admin
from django.core.exceptions import ValidationError
from django.forms import ModelForm
from django.http import HttpRequest

from posts.models import (
    Channel,
    ChannelMembership,
    Entity,
    FeedToken,
    Follow,
    HiddenPost,
    HiddenTag,
    KeyFact,
    Post,
    PostEntity,
    SavedPost,
    Tag,
    TimelineEvent,
    Vote,
)
from posts.services.core import post_derive_fields
from posts.services.entities import entity_name_key
from posts.services.search import post_search_index, post_search_reindex
from posts.services.submission import post_card_enqueue


class KeyFactInline(admin.TabularInline):
    model = KeyFact
    extra = 1


class PostEntityInline(admin.TabularInline):
    model = PostEntity
    extra = 1
    autocomplete_fields = ["entity"]


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
    readonly_fields = [
        "short_id",
        "normalized_url",
        "domain",
        "score",
        "hotness",
        "created_at",
        "removed_by",
        "preview_title",
        "preview_description",
        "preview_site_name",
        "preview_image_url",
        "preview_fetched_at",
    ]
    inlines = [KeyFactInline, PostEntityInline, TimelineEventInline]
    list_select_related = ["channel", "author"]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "title",
                    "url",
                    "channel",
                    "author",
                    "tags",
                    "status",
                    "removed_reason",
                    "removed_by",
                ]
            },
        ),
        ("Content", {"fields": ["lead", "tldr", "body"]}),
        ("Quoted source", {"fields": ["quote", "quote_source", "quote_url"]}),
        (
            "Link preview (fetched from the linked page)",
            {
                "classes": ["collapse"],
                "fields": [
                    "preview_title",
                    "preview_description",
                    "preview_site_name",
                    "preview_image_url",
                    "preview_fetched_at",
                ],
            },
        ),
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
        post_derive_fields(post=obj)
        super().save_model(request, obj, form, change)

    def save_related(self, request: HttpRequest, form: ModelForm, formsets, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        # Tags and key numbers are saved by now: the search document can include them.
        post_search_index(post=form.instance)
        # The title, channel or first key number may have changed: the card of this version.
        post_card_enqueue(post=form.instance)


@admin.register(Channel)
class ChannelAdmin(admin.ModelAdmin):
    list_display = ["handle", "name", "newsletter_name", "created_at"]
    search_fields = ["handle", "name"]
    inlines = [ChannelMembershipInline]


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ["slug", "name"]
    search_fields = ["slug", "name"]

    def save_model(self, request: HttpRequest, obj: Tag, form, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if change and {"slug", "name"} & set(form.changed_data):
            # Tag slugs and names are part of every tagged post's search document.
            post_search_reindex(queryset=Post.objects.filter(tags=obj))


class EntityAdminForm(ModelForm):
    class Meta:
        model = Entity
        fields = ["name", "kind", "slug"]

    def clean_name(self) -> str:
        # Names are unique by their matching key, which folds more than the database's LOWER().
        name = self.cleaned_data["name"].strip()
        clash = Entity.objects.filter(name_key=entity_name_key(name)).exclude(pk=self.instance.pk)
        if clash.exists():
            raise ValidationError(f"“{clash.first()}” already has that name.")
        return name


@admin.register(Entity)
class EntityAdmin(admin.ModelAdmin):
    form = EntityAdminForm
    list_display = ["name", "kind", "slug", "created_at"]
    list_filter = ["kind"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    readonly_fields = ["name_key", "created_at"]
    fields = ["name", "kind", "slug", "name_key", "created_at"]

    def save_model(self, request: HttpRequest, obj: Entity, form, change: bool) -> None:
        # The matching key comes from the name, as the entity service writes it.
        obj.name_key = entity_name_key(obj.name)
        super().save_model(request, obj, form, change)
        if change and "name" in form.changed_data:
            # Entity names are part of every involved post's search document.
            post_search_reindex(queryset=Post.objects.filter(entity_rows__entity=obj))


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


@admin.register(HiddenPost)
class HiddenPostAdmin(admin.ModelAdmin):
    list_display = ["user", "post", "created_at"]
    raw_id_fields = ["user", "post"]
    list_select_related = ["user", "post"]


@admin.register(Follow)
class FollowAdmin(admin.ModelAdmin):
    list_display = ["user", "tag", "channel", "followed_user", "entity", "created_at"]
    raw_id_fields = ["user", "tag", "channel", "followed_user", "entity"]
    list_select_related = ["user", "tag", "channel", "followed_user", "entity"]


@admin.register(HiddenTag)
class HiddenTagAdmin(admin.ModelAdmin):
    list_display = ["user", "tag", "created_at"]
    raw_id_fields = ["user", "tag"]
    list_select_related = ["user", "tag"]


@admin.register(FeedToken)
class FeedTokenAdmin(admin.ModelAdmin):
    list_display = ["user", "created_at", "revoked_at"]
    raw_id_fields = ["user"]
    readonly_fields = ["token_hash", "created_at"]
    list_select_related = ["user"]
