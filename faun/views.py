from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.templatetags.static import static
from django.views.decorators.cache import cache_control, never_cache
from django.views.decorators.http import require_safe

from core.cache import cache_probe

# The site's colors (static/css/faun.css: --accent, --bg), for the web app manifest and the
# browser's toolbar (<meta name=theme-color> in templates/base.html).
THEME_COLOR = "#0b5fce"
BACKGROUND_COLOR = "#ffffff"


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """For load balancers and uptime checks: 503 when the database does not answer, else 200,
    with "status": "degraded" and "cache": "unavailable" while the cache (Redis) does not answer.

    The site serves every page without the cache (docs/operations.md#when-redis-is-down), so a
    cache outage keeps the node in the load balancer; the JSON tells monitoring about it."""
    cache = "ok" if cache_probe() else "unavailable"
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:  # any database failure means "not healthy", never a 500 page
        body = {"status": "unavailable", "database": "unreachable", "cache": cache}
        return JsonResponse(body, status=503)
    status = "ok" if cache == "ok" else "degraded"
    return JsonResponse({"status": status, "database": "ok", "cache": cache})


def _static_url(path: str) -> str:
    """A static file's URL: hashed in production (ManifestStaticFilesStorage); its plain name,
    which collectstatic keeps as well, if the manifest lacks it, so these never answer 500."""
    try:
        return static(path)
    except ValueError:
        return f"{settings.STATIC_URL}{path}"


@require_safe
@cache_control(public=True, max_age=86400)
def favicon(request: HttpRequest) -> HttpResponse:
    """/favicon.ico, which browsers and feed readers ask for on their own: the icon among the
    static files (docs/pages.md#site)."""
    return redirect(_static_url("icons/favicon.ico"))


@require_safe
@cache_control(public=True, max_age=86400)
def web_manifest(request: HttpRequest) -> JsonResponse:
    """The web app manifest (<link rel=manifest>): the site's name, icons and colors."""
    return JsonResponse(
        {
            "name": f"{settings.SITE_NAME}: developer news",
            "short_name": settings.SITE_NAME,
            "description": "Developer news, picked and summarized by developers.",
            "start_url": "/",
            "scope": "/",
            "display": "standalone",
            "theme_color": THEME_COLOR,
            "background_color": BACKGROUND_COLOR,
            "icons": [
                {"src": _static_url("icons/faun.svg"), "sizes": "any", "type": "image/svg+xml"},
                {"src": _static_url("icons/faun-192.png"), "sizes": "192x192", "type": "image/png"},
                {"src": _static_url("icons/faun-512.png"), "sizes": "512x512", "type": "image/png"},
            ],
        },
        content_type="application/manifest+json",
    )
