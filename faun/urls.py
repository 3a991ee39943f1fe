from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from faun import api_urls, bench_views, views

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("api/", include("faun.api_urls")),
    path("api/v1/", include((api_urls.v1, "api"), namespace="api")),
    path("", include("accounts.urls")),
    path("", include("posts.urls")),
]

if settings.BENCHMARK_VIEWS:
    urlpatterns.insert(0, path("_bench/baseline", bench_views.baseline, name="bench_baseline"))
