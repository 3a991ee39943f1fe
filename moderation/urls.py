from django.urls import path

from moderation import views

app_name = "moderation"

urlpatterns = [
    path("p/<str:short_id>/-/flag/", views.post_flag_view, name="post_flag"),
    path("c/<str:short_id>/flag/", views.comment_flag_view, name="comment_flag"),
]
