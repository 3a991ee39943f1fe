from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache

from core.cache import cache_probe


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
