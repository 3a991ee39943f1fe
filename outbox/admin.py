from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from outbox import services
from outbox.models import OutboundEmail


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
