"""Limits and headers on every request, as plain ASGI middleware:

- ``BodySizeLimit``: a body larger than ``TMUX_BUILDER_MAX_BODY_BYTES`` answers 413 before
  the app sees it: at once from Content-Length, and for a chunked body as soon as the bytes
  read pass the limit (never more than the limit is held).
- ``ResponseHeaders``: ``Cache-Control: no-store`` on every API answer (tokens, codes and
  private data are never kept by a cache) and ``X-Content-Type-Options: nosniff`` on all.
- ``RedactServerPaths``: no absolute server path in a JSON, text or event-stream answer.

X-Forwarded-For is applied by uvicorn's ``ProxyHeadersMiddleware`` only for the peers in
``TMUX_BUILDER_TRUSTED_PROXIES``; the server itself never trusts it (``app.server_config``
turns uvicorn's own proxy handling off)."""

from __future__ import annotations

from fastapi.responses import JSONResponse
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tmux_builder.api.errors import error_body
from tmux_builder.platform.core.redact import PathRedactor

NO_STORE_PREFIXES = ("/api/", "/healthz")
TEXT_TYPES = (b"application/json", b"text/plain")
EVENT_STREAM = b"text/event-stream"


def _header(scope: Scope, name: bytes) -> bytes | None:
    for key, value in scope["headers"]:
        if key == name:
            return bytes(value)
    return None


class BodySizeLimit:
    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = _header(scope, b"content-length")
        if length is not None:
            if not length.strip().isdigit():
                await self._refuse(scope, receive, send, 400, "Content-Length is not a number")
            elif int(length) > self.max_bytes:
                await self._too_large(scope, receive, send)
            else:
                await self.app(scope, receive, send)
            return
        if _header(scope, b"transfer-encoding") is None:
            await self.app(scope, receive, send)
            return
        body = bytearray()
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client left before its body was complete
            body += message.get("body", b"")
            if len(body) > self.max_bytes:
                await self._too_large(scope, receive, send)
                return
            if not message.get("more_body", False):
                break
        await self.app(scope, _replay(bytes(body), receive), send)

    async def _too_large(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self._refuse(scope, receive, send, 413,
                           f"the request body is larger than {self.max_bytes} bytes")

    @staticmethod
    async def _refuse(scope: Scope, receive: Receive, send: Send, status: int,
                      message: str) -> None:
        code = "payload_too_large" if status == 413 else "invalid_input"
        response = JSONResponse(error_body(code, message, "body", "max_body_bytes"),
                                status_code=status, headers={"Connection": "close"})
        await response(scope, receive, send)


def _replay(body: bytes, receive: Receive) -> Receive:
    """Hand the app the body already read, then the real channel (disconnects)."""
    sent = False

    async def replayed() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replayed


class ResponseHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        private = scope["path"].startswith(NO_STORE_PREFIXES)

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault("X-Content-Type-Options", "nosniff")
                if private:
                    headers["Cache-Control"] = "no-store"
            await send(message)

        await self.app(scope, receive, with_headers)


class RedactServerPaths:
    def __init__(self, app: ASGIApp, redactor: PathRedactor) -> None:
        self.app = app
        self.redactor = redactor

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start: Message | None = None
        mode = "pass"
        held: list[bytes] = []

        async def redacting(message: Message) -> None:
            nonlocal start, mode
            if message["type"] == "http.response.start":
                mode = _mode(MutableHeaders(scope=message).get("content-type", "").encode())
                if mode != "whole":
                    await send(message)
                else:
                    start = message
                return
            if message["type"] != "http.response.body" or mode == "pass":
                await send(message)
                return
            if mode == "chunks":
                await send({**message, "body": self.redactor.bytes(message.get("body", b""))})
                return
            held.append(message.get("body", b""))
            if message.get("more_body", False):
                return
            body = self.redactor.bytes(b"".join(held))
            assert start is not None
            headers = MutableHeaders(scope=start)
            if "content-length" in headers:
                headers["content-length"] = str(len(body))
            await send(start)
            await send({"type": "http.response.body", "body": body, "more_body": False})

        await self.app(scope, receive, redacting)


def _mode(content_type: bytes) -> str:
    """``whole`` (buffer, redact, fix the length), ``chunks`` (streams) or ``pass``."""
    if content_type.startswith(EVENT_STREAM):
        return "chunks"
    return "whole" if content_type.startswith(TEXT_TYPES) else "pass"
