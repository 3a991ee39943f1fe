from django.apps import AppConfig


class NewslettersConfig(AppConfig):
    """Channel newsletters and personal digests (docs/newsletters.md)."""

    name = "newsletters"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from accounts.signals import settings_sections
        from newsletters import receivers
        from posts.signals import post_page_asides

        settings_sections.connect(receivers.settings_section, dispatch_uid="newsletters.settings")
        post_page_asides.connect(receivers.post_aside, dispatch_uid="newsletters.post")
