from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.generic import RedirectView

from faun import api_urls, bench_views, views

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.readyz, name="readyz"),
    path("metrics", views.metrics, name="metrics"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("manifest.webmanifest", views.web_manifest, name="web_manifest"),
    # Admin pages of the models that left accounts for their own apps: old bookmarks still work.
    re_path(
        r"^admin/accounts/(?P<model>outboundemail)/(?P<rest>.*)$",
        RedirectView.as_view(url="/admin/outbox/%(model)s/%(rest)s", permanent=True),
    ),
    re_path(
        r"^admin/accounts/(?P<model>newsletter|subscription|newsletterissue|digestpreference)/"
        r"(?P<rest>.*)$",
        RedirectView.as_view(url="/admin/newsletters/%(model)s/%(rest)s", permanent=True),
    ),
    path("admin/", admin.site.urls),
    path("api/", include("faun.api_urls")),
    path("api/v1/", include((api_urls.v1, "api"), namespace="api")),
    path("", include("accounts.urls")),
    path("", include("newsletters.urls")),
    path("", include("discussion.urls")),
    path("", include("moderation.urls")),
    path("", include("posts.urls")),
]

if settings.BENCHMARK_VIEWS:
    urlpatterns.insert(0, path("_bench/baseline", bench_views.baseline, name="bench_baseline"))
