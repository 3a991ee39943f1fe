from django.apps import AppConfig


class PostsConfig(AppConfig):
    name = "posts"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from accounts.signals import user_deleting
        from posts import receivers

        user_deleting.connect(
            receivers.withdraw_votes_of_deleted_user, dispatch_uid="posts.withdraw_votes"
        )
