"""The benchmark's baseline (docs/performance.md): a view that does no work of its own, served
through the full middleware stack, so `make bench` can say how much each page costs on top of
Django, gunicorn and the network. Registered only when settings.BENCHMARK_VIEWS is on."""

from django.http import HttpRequest, HttpResponse


def baseline(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok\n", content_type="text/plain; charset=utf-8")
