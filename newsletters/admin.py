from django.contrib import admin

from newsletters.models import DigestPreference, Newsletter, NewsletterIssue, Subscription


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
