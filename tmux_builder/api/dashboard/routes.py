"""The dashboard's HTML pages and static files. Each page is a Jinja2 shell; its data comes
from the JSON API through small vanilla scripts in ``static/`` that send the bearer token
(kept in ``sessionStorage``) in the Authorization header, never in a URL."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Request
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader

from tmux_builder import __version__
from tmux_builder.domain import (
    EXECUTION_ID_PATTERN,
    FINAL_EXECUTION_STATUSES,
    REDEPLOY_FIRST_STEP,
    STEPS,
    TOTAL_STEPS,
    ExecutionStatus,
    JobStatus,
    SessionStatus,
    StepStatus,
)

HERE = Path(__file__).parent
STEP_LABELS = {step.value: step.label for step in STEPS}
# What the session page's script knows of the platform, from the enums (never its own copies).
DOMAIN = {
    "TOTAL_STEPS": TOTAL_STEPS,
    "REDEPLOY_FIRST_STEP": REDEPLOY_FIRST_STEP,
    "step": {step.name: step.value for step in STEPS},
    "execution_status": {status.name: status.value for status in ExecutionStatus},
    "step_status": {status.name: status.value for status in StepStatus},
    "session_status": {status.name: status.value for status in SessionStatus},
    "final_statuses": sorted(FINAL_EXECUTION_STATUSES),
    "job_ended": [JobStatus.done.value, JobStatus.failed.value, JobStatus.cancelled.value],
}
STATIC_NAME = "dashboard-static"

templates = Jinja2Templates(
    env=Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=True)
)

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' blob: data:; connect-src 'self'; "
        "script-src 'self'; style-src 'self'; frame-ancestors 'none'; base-uri 'none'; "
        "form-action 'self'"
    ),
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store",
}

router = APIRouter(include_in_schema=False)
router.mount("/static", StaticFiles(directory=HERE / "static"), name=STATIC_NAME)


def _page(request: Request, template: str, title: str, status_code: int = 200,
          **context: object) -> HTMLResponse:
    return templates.TemplateResponse(
        request,
        template,
        {"title": title, "version": __version__, "static": STATIC_NAME, **context},
        status_code=status_code,
        headers=SECURITY_HEADERS,
    )


@router.get("/", response_class=HTMLResponse)
def sign_in(request: Request) -> HTMLResponse:
    """Sign in with a user id and token, or start a new site."""
    return _page(request, "signin.html", "Sign in", page="signin")


@router.get("/app", response_class=HTMLResponse)
def my_sessions(request: Request) -> HTMLResponse:
    """The signed-in user's sessions."""
    return _page(request, "sessions.html", "Your sessions", page="sessions")


@router.get("/app/sessions/{execution_id}", response_class=HTMLResponse)
def session_page(
    request: Request, execution_id: Annotated[str, PathParam(max_length=200)]
) -> HTMLResponse:
    """One session: live progress, logs, screenshot, URL, chat and actions. Whether it
    exists and is the caller's is for the API to say (the page has no token)."""
    if not EXECUTION_ID_PATTERN.fullmatch(execution_id):
        return _page(request, "not_found.html", "Not found", status_code=404, page="session")
    return _page(request, "session.html", "Session", page="session",
                 execution_id=execution_id, step_names=[s.value for s in STEPS],
                 step_labels=STEP_LABELS, domain=DOMAIN)


@router.get("/app/tokens", response_class=HTMLResponse)
def tokens_page(request: Request) -> HTMLResponse:
    """The signed-in user's tokens: list, create, rename, rotate and revoke."""
    return _page(request, "tokens.html", "Your tokens", page="tokens")


@router.get("/admin", response_class=HTMLResponse)
def admin_page(request: Request) -> HTMLResponse:
    """Every user's stacks, the queue and its hosts, orphans and the cost report (admin token)."""
    return _page(request, "admin.html", "Admin", page="admin")
