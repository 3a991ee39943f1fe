from django.apps import AppConfig


class DiscussionConfig(AppConfig):
    """Threaded comments, notifications and unread markers (docs/discussion.md)."""

    name = "discussion"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from accounts.signals import settings_sections
        from discussion import receivers
        from posts.signals import post_page_sections

        post_page_sections.connect(receivers.thread_section, dispatch_uid="discussion.thread")
        settings_sections.connect(receivers.settings_section, dispatch_uid="discussion.settings")
