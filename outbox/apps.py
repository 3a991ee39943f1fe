from django.apps import AppConfig


class OutboxConfig(AppConfig):
    """Email as database rows first, delivered by Celery (docs/accounts.md)."""

    name = "outbox"
    default_auto_field = "django.db.models.BigAutoField"
