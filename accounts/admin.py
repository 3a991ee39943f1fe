from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest

from accounts import services
from accounts.models import (
    DigestPreference,
    Newsletter,
    NewsletterIssue,
    OutboundEmail,
    Subscription,
    User,
)


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = [
        "username",
        "email",
        "display_name",
        "email_verified_at",
        "is_staff",
        "date_joined",
    ]
    list_filter = ["is_staff", "is_superuser", "is_active", "email_verified_at"]
    search_fields = ["username", "email", "display_name"]
    fieldsets = (
        *DjangoUserAdmin.fieldsets,
        ("Profile", {"fields": ("display_name", "bio", "website", "email_verified_at")}),
    )


@admin.register(OutboundEmail)
class OutboundEmailAdmin(admin.ModelAdmin):
    """The outbox, read-only: rows are written by services and delivered by workers. The one
    action gives failed emails a fresh set of attempts."""

    list_display = ["to", "subject", "status", "attempts", "created_at", "sent_at"]
    list_filter = ["status", "created_at"]
    search_fields = ["to", "subject", "message_id", "dedupe_key"]
    date_hierarchy = "created_at"
    ordering = ["-created_at", "-id"]
    actions = ["send_again"]
    fields = [
        "to",
        "subject",
        "status",
        "attempts",
        "last_error",
        "message_id",
        "dedupe_key",
        "headers",
        "created_at",
        "next_attempt_at",
        "claimed_at",
        "sent_at",
        "text_body",
        "html_body",
    ]
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: OutboundEmail | None = None) -> bool:
        return False

    @admin.action(description="Send the selected failed emails again")
    def send_again(self, request: HttpRequest, queryset: QuerySet[OutboundEmail]) -> None:
        count = services.outbox_retry(email_ids=list(queryset.values_list("pk", flat=True)))
        self.message_user(request, f"{count} failed email(s) queued again.", messages.SUCCESS)


@admin.register(Newsletter)
class NewsletterAdmin(admin.ModelAdmin):
    list_display = ["name", "channel", "cadence", "weekday", "hour", "is_active"]
    list_filter = ["cadence", "is_active"]
    search_fields = ["name", "channel__handle"]
    raw_id_fields = ["channel"]


@admin.register(Subscription)
class SubscriptionAdmin(admin.ModelAdmin):
    list_display = ["email", "newsletter", "status", "created_at", "confirmed_at"]
    list_filter = ["status", "newsletter"]
    search_fields = ["email"]
    raw_id_fields = ["user", "newsletter"]


@admin.register(NewsletterIssue)
class NewsletterIssueAdmin(admin.ModelAdmin):
    list_display = ["newsletter", "period", "subject", "window_end"]
    list_filter = ["newsletter"]
    readonly_fields = ["post_ids", "window_start", "window_end", "created_at"]


@admin.register(DigestPreference)
class DigestPreferenceAdmin(admin.ModelAdmin):
    list_display = ["user", "frequency", "weekday", "hour", "timezone", "next_due_at"]
    list_filter = ["frequency"]
    raw_id_fields = ["user"]
