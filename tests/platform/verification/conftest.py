"""A real HTTP server on a free local port that serves the pages the verification tests need."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

_BLOCKS = "".join(
    f'<div style="height:150px;background:{colour}">{colour} section</div>'
    for colour in ("#e63946", "#f1c40f", "#2a9d8f", "#264653", "#8e44ad", "#3498db",
                   "#ff7f50", "#2ecc71", "#34495e", "#d35400")
)
COLOURFUL = (
    "<!doctype html><html><head><title>Colours</title></head>"
    f'<body style="margin:0;font:20px sans-serif"><h1>Colourful page</h1>{_BLOCKS}</body></html>'
)
"""Ten 150 px bands plus a heading: taller than an 800 px viewport."""

BLANK = (
    "<!doctype html><html><head><title>Blank</title></head>"
    '<body style="background:#ffffff"><!-- nothing to see here, padding past 100 bytes --></body>'
    "</html>"
)


@dataclass
class Route:
    status: int
    content_type: str
    body: str
    fail_first: int = 0
    """Answer 503 to this many requests before answering normally."""
    hits: int = 0


def _routes() -> dict[str, Route]:
    return {
        "/": Route(200, "text/html; charset=utf-8", COLOURFUL),
        "/blank": Route(200, "text/html; charset=utf-8", BLANK),
        "/error": Route(500, "text/html; charset=utf-8", "<h1>Internal error</h1>" * 10),
        "/tiny": Route(200, "text/html", "<p>tiny</p>" + " " * 9),
        "/json": Route(200, "application/json", '{"padding": "' + "x" * 200 + '"}'),
        "/warming-up": Route(200, "text/html", COLOURFUL, fail_first=2),
    }


class PageServer:
    def __init__(self) -> None:
        self.routes = _routes()
        routes = self.routes

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                route = routes.get(self.path)
                if route is None:
                    self.send_error(404)
                    return
                route.hits += 1
                status = 503 if route.hits <= route.fail_first else route.status
                body = route.body.encode()
                self.send_response(status)
                self.send_header("Content-Type", route.content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                return

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def url(self, path: str) -> str:
        return self.base + path


@pytest.fixture(scope="module")
def page_server() -> Iterator[PageServer]:
    server = PageServer()
    thread = threading.Thread(target=server.httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.httpd.shutdown()
        server.httpd.server_close()
        thread.join(timeout=5)
