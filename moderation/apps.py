from django.apps import AppConfig


class ModerationConfig(AppConfig):
    """Trust and moderation: karma on profiles, flags, the moderators' queue and the public
    moderation log (docs/moderation.md)."""

    name = "moderation"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from accounts.signals import user_deleting
        from discussion.signals import comment_removed
        from moderation import receivers
        from posts.signals import post_page_sections, post_removed, profile_sections

        profile_sections.connect(receivers.standing_section, dispatch_uid="moderation.standing")
        post_page_sections.connect(receivers.post_section, dispatch_uid="moderation.post")
        user_deleting.connect(receivers.account_deleting, dispatch_uid="moderation.account")
        post_removed.connect(receivers.post_removed, dispatch_uid="moderation.post_removed")
        comment_removed.connect(
            receivers.comment_removed, dispatch_uid="moderation.comment_removed"
        )
