import time
from collections.abc import Callable

from django.conf import settings
from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.templatetags.static import static
from django.utils.crypto import constant_time_compare
from django.views.decorators.cache import cache_control, never_cache
from django.views.decorators.http import require_safe
from prometheus_client import CONTENT_TYPE_LATEST

from core.cache import cache_probe
from core.replicas import replica_check
from faun.metrics import metrics_text

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


@never_cache
def readyz(request: HttpRequest) -> JsonResponse:
    """Readiness for a load balancer or an orchestrator, with details for people: 200 while the
    database answers (the site serves without the cache, the broker and the read replicas:
    docs/operations.md#when-redis-is-down, #read-replicas), else 503. Each dependency reports
    "ok" or what is wrong, and how long its check took; each replica also its lag."""
    checks = {
        "database": _timed(_database_check),
        "cache": _timed(lambda: None if cache_probe() else "unavailable"),
        "broker": _timed(_broker_check),
    }
    for alias in settings.DATABASE_REPLICAS:
        checks[alias] = _replica(alias)
    ready = checks["database"]["status"] == "ok"
    degraded = any(check["status"] != "ok" for check in checks.values())
    status = "ready" if ready and not degraded else "degraded" if ready else "unavailable"
    return JsonResponse({"status": status, "checks": checks}, status=200 if ready else 503)


def _timed(check: Callable[[], str | None]) -> dict[str, object]:
    started = time.perf_counter()
    try:
        problem = check()
    except Exception as exc:  # a check that fails is a report, never a 500
        problem = type(exc).__name__
    elapsed = round((time.perf_counter() - started) * 1000, 2)
    return {"status": problem or "ok", "ms": elapsed}


def _replica(alias: str) -> dict[str, object]:
    """A read replica's check, made now (core.replicas.replica_check, which never raises)."""
    started = time.perf_counter()
    state = replica_check(alias)
    elapsed = round((time.perf_counter() - started) * 1000, 2)
    return {"status": state.status, "ms": elapsed, "lag_seconds": state.lag_seconds}


def _database_check() -> str | None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return None


def _broker_check() -> str | None:
    """The Celery broker answers a PING; "eager" when tasks run in the web process."""
    if settings.CELERY_TASK_ALWAYS_EAGER or not settings.CELERY_BROKER_URL.startswith("redis"):
        return None if settings.CELERY_TASK_ALWAYS_EAGER else "not checked"
    import redis

    client = redis.Redis.from_url(
        settings.CELERY_BROKER_URL, socket_timeout=1, socket_connect_timeout=1
    )
    try:
        client.ping()
    except redis.RedisError:
        return "unavailable"
    finally:
        client.close()
    return None


def metrics(request: HttpRequest) -> HttpResponse:
    """Prometheus metrics (faun/metrics.py) for the addresses in METRICS_ALLOWED_ADDRESSES or a
    request with `Authorization: Bearer <METRICS_TOKEN>`; to anyone else the page does not exist
    (docs/operations.md#metrics)."""
    token = settings.METRICS_TOKEN
    offered = request.headers.get("Authorization", "")
    allowed = request.META.get("REMOTE_ADDR", "") in settings.METRICS_ALLOWED_ADDRESSES or (
        bool(token) and constant_time_compare(offered, f"Bearer {token}")
    )
    if not allowed:
        raise Http404("No such page.")
    return HttpResponse(metrics_text(), content_type=CONTENT_TYPE_LATEST)


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
