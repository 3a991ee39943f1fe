from django.apps import AppConfig


class ModerationConfig(AppConfig):
    """Trust and moderation: karma on profiles, flags, the moderators' queue and the public
    moderation log (docs/moderation.md)."""

    name = "moderation"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from moderation import receivers
        from posts.signals import profile_sections

        profile_sections.connect(receivers.standing_section, dispatch_uid="moderation.standing")
