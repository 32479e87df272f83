"""Domain exceptions and request validation mapped to HTTP, in this one place. Every error
body is ``{"error": {"code", "field", "rule", "message"}}``; nothing answers a 500 with a
traceback."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from tmux_builder.errors import (
    AuthenticationError,
    ConflictError,
    IdentityTakenError,
    InvalidInputError,
    NotConfiguredError,
    NotFoundError,
    PermissionDeniedError,
    StackBusyError,
    StackOperationError,
    TmuxBuilderError,
    ToolchainError,
)
from tmux_builder.platform.store import StoreError

STATUS_BY_ERROR: tuple[tuple[type[TmuxBuilderError], int, str], ...] = (
    (InvalidInputError, 422, "invalid_input"),
    (PermissionDeniedError, 403, "forbidden"),
    (NotFoundError, 404, "not_found"),
    (StackBusyError, 409, "busy"),
    (IdentityTakenError, 409, "identity_exists"),
    (ConflictError, 409, "conflict"),
    (NotConfiguredError, 503, "not_configured"),
    (ToolchainError, 503, "toolchain"),
    (StoreError, 503, "store_unavailable"),
    (StackOperationError, 502, "stack_operation_failed"),
)


class RateLimited(TmuxBuilderError):
    def __init__(self, message: str, retry_after: int, *, field: str) -> None:
        super().__init__(message, field=field)
        self.retry_after = retry_after


def error_body(code: str, message: str, field: str | None = None,
               rule: str | None = None) -> dict[str, Any]:
    return {"error": {"code": code, "field": field, "rule": rule, "message": message}}


def _domain_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, TmuxBuilderError)
    if isinstance(exc, AuthenticationError):
        return JSONResponse(error_body("unauthorized", exc.message, exc.field), status_code=401,
                            headers={"WWW-Authenticate": "Bearer"})
    if isinstance(exc, RateLimited):
        return JSONResponse(error_body("rate_limited", exc.message, exc.field, "rate_limit"),
                            status_code=429, headers={"Retry-After": str(exc.retry_after)})
    for kind, status, code in STATUS_BY_ERROR:
        if isinstance(exc, kind):
            rule = "invalid" if status == 422 else None
            message = "not found" if status == 404 else exc.message
            return JSONResponse(error_body(code, message, exc.field, rule), status_code=status)
    return JSONResponse(error_body("error", exc.message, exc.field), status_code=400)


def _validation_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    first = exc.errors()[0] if exc.errors() else {}
    location = [str(part) for part in first.get("loc", ()) if part not in ("body", "query",
                                                                          "path", "header")]
    field = ".".join(location) or None
    rule = str(first.get("type", "invalid"))
    message = f"{field or 'request'}: {first.get('msg', 'invalid input')}"
    return JSONResponse(error_body("invalid_input", message, field, rule), status_code=422)


def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
    headers = dict(getattr(exc, "headers", None) or {})
    if exc.status_code == 405:
        headers["Allow"] = ", ".join(_allowed_methods(request))
    return JSONResponse(error_body(code, str(exc.detail)), status_code=exc.status_code,
                        headers=headers or None)


def _allowed_methods(request: Request) -> list[str]:
    """Every method of every route on this path (Starlette names only the first route's)."""
    methods: set[str] = set()
    for route in request.app.router.routes:
        match, _ = route.matches(request.scope)
        if match != Match.NONE:
            methods |= getattr(route, "methods", None) or set()
    return sorted(methods)


def _unexpected(_: Request, exc: Exception) -> JSONResponse:
    return JSONResponse(error_body("internal", "an internal error occurred"), status_code=500)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(TmuxBuilderError, _domain_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)
