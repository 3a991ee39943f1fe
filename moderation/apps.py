from django.apps import AppConfig


class ModerationConfig(AppConfig):
    """Trust and moderation: flags, the moderators' queue and the public moderation log
    (docs/moderation.md)."""

    name = "moderation"
    default_auto_field = "django.db.models.BigAutoField"
