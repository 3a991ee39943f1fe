"""A tiny HTTP server on 127.0.0.1 for tests that fetch pages (link previews): the only network
the suite touches. Pages are `path -> (content type, body)`, or `path -> ("redirect", location)`
for a 302; anything else is a 404. Every request path is recorded in `hits`."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class LoopbackServer:
    url: str
    pages: dict[str, tuple[str, str]]
    hits: list[str] = field(default_factory=list)


@contextlib.contextmanager
def serve_pages(pages: dict[str, tuple[str, str]]) -> Iterator[LoopbackServer]:
    server: LoopbackServer

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def do_GET(self) -> None:
            server.hits.append(self.path)
            page = server.pages.get(self.path)
            if page is None:
                self.send_error(404)
                return
            content_type, body = page
            if content_type == "redirect":
                self.send_response(302)
                self.send_header("Location", body)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            data = body.encode()
            self.send_response(200)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server = LoopbackServer(url=f"http://127.0.0.1:{httpd.server_address[1]}", pages=pages)
    thread = threading.Thread(
        target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    try:
        yield server
    finally:
        httpd.shutdown()
        httpd.server_close()
