from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from accounts.models import User


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = [
        "username",
        "email",
        "display_name",
        "email_verified_at",
        "is_staff",
        "karma",
        "date_joined",
    ]
    list_filter = ["is_staff", "is_superuser", "is_active", "email_verified_at"]
    search_fields = ["username", "email", "display_name"]
    # Suspensions go through the moderation queue, which logs them (docs/moderation.md#bans).
    readonly_fields = ["karma", "banned_until", "ban_reason"]
    fieldsets = (
        *DjangoUserAdmin.fieldsets,
        ("Profile", {"fields": ("display_name", "bio", "website", "email_verified_at")}),
        ("Standing", {"fields": ("karma", "banned_until", "ban_reason")}),
    )
