from django.contrib import admin

from discussion.models import Comment, CommentVote, Notification, NotificationPreference, ThreadMute


@admin.register(Comment)
class CommentAdmin(admin.ModelAdmin):
    list_display = ["short_id", "post", "author", "score", "status", "created_at"]
    list_filter = ["status", "created_at"]
    search_fields = ["short_id", "body", "author__username", "post__short_id"]
    raw_id_fields = ["post", "author", "parent", "removed_by"]
    readonly_fields = ["short_id", "body_html", "score", "confidence", "depth", "created_at"]


@admin.register(CommentVote)
class CommentVoteAdmin(admin.ModelAdmin):
    list_display = ["user", "comment", "created_at"]
    raw_id_fields = ["user", "comment"]


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["recipient", "kind", "comment", "created_at", "read_at"]
    list_filter = ["kind"]
    raw_id_fields = ["recipient", "comment"]


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(admin.ModelAdmin):
    list_display = ["user", "email_replies", "email_mentions", "updated_at"]
    raw_id_fields = ["user"]


@admin.register(ThreadMute)
class ThreadMuteAdmin(admin.ModelAdmin):
    list_display = ["user", "post", "created_at"]
    raw_id_fields = ["user", "post"]
