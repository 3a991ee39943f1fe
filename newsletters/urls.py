from django.urls import path

from newsletters import views

app_name = "newsletters"

# Included before posts' URLs in faun/urls.py; "@<handle>/newsletter/..." has more segments than
# posts' "@<handle>/", so neither shadows the other.
urlpatterns = [
    path(
        "@<str:handle>/newsletter/",
        views.newsletter_archive,
        name="archive",
    ),
    path(
        "@<str:handle>/newsletter/subscribe/",
        views.newsletter_subscribe,
        name="subscribe",
    ),
    path(
        "@<str:handle>/newsletter/preview/",
        views.newsletter_preview,
        name="preview",
    ),
    path(
        "@<str:handle>/newsletter/<str:period>/",
        views.newsletter_issue,
        name="issue",
    ),
    path(
        "newsletters/check-your-inbox/",
        views.newsletter_check_inbox,
        name="check_inbox",
    ),
    path(
        "newsletters/confirm/<str:token>/",
        views.newsletter_confirm,
        name="confirm",
    ),
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("digest/<str:token>/", views.digest_view, name="digest_view"),
    path("settings/digest/", views.digest_settings, name="digest_settings"),
    path(
        "settings/newsletters/<int:subscription_id>/unsubscribe/",
        views.subscription_cancel,
        name="subscription_cancel",
    ),
]
