from django.contrib.auth import views as auth_views
from django.urls import path

from accounts import newsletter_views, token_views, views

app_name = "accounts"

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("signup/", views.signup, name="signup"),
    path("signup/check-your-inbox/", views.signup_done, name="signup_done"),
    path("verify/resend/", views.verify_resend, name="verify_resend"),
    path("verify/<str:token>/", views.verify, name="verify"),
    path("password/reset/", views.PasswordResetView.as_view(), name="password_reset"),
    path("password/reset/sent/", views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "password/reset/done/",
        views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path(
        "password/reset/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path("settings/", views.settings_page, name="settings"),
    path("settings/email/", views.email_change, name="email_change"),
    path(
        "settings/email/confirm/<str:token>/",
        views.email_change_confirm,
        name="email_change_confirm",
    ),
    path("settings/password/", views.password_change, name="password_change"),
    path("settings/tokens/", token_views.token_list, name="tokens"),
    path("settings/tokens/<int:token_id>/revoke/", token_views.token_revoke, name="token_revoke"),
    path("settings/delete/", views.account_delete, name="delete"),
    path("settings/delete/done/", views.delete_done, name="delete_done"),
    path("u/<str:username>/", views.profile, name="profile"),
    # Newsletters and digests. These sit before posts' "@<handle>/" (accounts URLs are included
    # first), and have more segments, so neither shadows the other.
    path(
        "@<str:handle>/newsletter/",
        newsletter_views.newsletter_archive,
        name="newsletter_archive",
    ),
    path(
        "@<str:handle>/newsletter/subscribe/",
        newsletter_views.newsletter_subscribe,
        name="newsletter_subscribe",
    ),
    path(
        "@<str:handle>/newsletter/preview/",
        newsletter_views.newsletter_preview,
        name="newsletter_preview",
    ),
    path(
        "@<str:handle>/newsletter/<str:period>/",
        newsletter_views.newsletter_issue,
        name="newsletter_issue",
    ),
    path(
        "newsletters/check-your-inbox/",
        newsletter_views.newsletter_check_inbox,
        name="newsletter_check_inbox",
    ),
    path(
        "newsletters/confirm/<str:token>/",
        newsletter_views.newsletter_confirm,
        name="newsletter_confirm",
    ),
    path("unsubscribe/<str:token>/", newsletter_views.unsubscribe, name="unsubscribe"),
    path("digest/<str:token>/", newsletter_views.digest_view, name="digest_view"),
    path("settings/digest/", newsletter_views.digest_settings, name="digest_settings"),
    path(
        "settings/newsletters/<int:subscription_id>/unsubscribe/",
        newsletter_views.subscription_cancel,
        name="subscription_cancel",
    ),
]
