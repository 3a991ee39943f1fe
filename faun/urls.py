from django.contrib import admin
from django.urls import include, path

from faun import views

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("", include("accounts.urls")),
    path("", include("posts.urls")),
]
