"""Health check: ask the deployed site for its page until it answers well or we give up.

Pass means HTTP 200, a ``text/html`` content type and a body of more than 100 bytes. Any other
outcome is retried with exponential backoff (a fresh deployment may still be starting), and
the last outcome becomes a failed :class:`HealthResult`; an unhealthy site never raises."""

from __future__ import annotations

import errno
import json
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import httpx
from tenacity import RetryCallState, Retrying, retry_if_result, stop_after_attempt, wait_exponential

from tmux_builder.errors import InvalidInputError
from tmux_builder.platform.verification.urls import require_http_url, require_positive

MIN_BODY_BYTES = 100
BODY_KEPT = 4096


@dataclass(frozen=True)
class HealthResult:
    passed: bool
    url: str
    status_code: int | None
    content_type: str | None
    body_bytes: int | None
    attempts: int
    seconds: float
    reason: str | None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Probe:
    """The outcome of one request (``headers`` and the start of ``body`` let a readiness
    signal be read from a not-yet-ready answer)."""

    status_code: int | None = None
    content_type: str | None = None
    body_bytes: int | None = None
    problem: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""

    @property
    def passed(self) -> bool:
        return self.problem is None


def check_health(
    url: str,
    *,
    attempts: int = 6,
    first_wait: float = 0.5,
    max_wait: float = 5.0,
    timeout: float = 10.0,
) -> HealthResult:
    require_http_url(url)
    if attempts < 1:
        raise InvalidInputError(f"must be at least 1, got {attempts}", field="attempts")
    if first_wait < 0 or max_wait < 0:
        raise InvalidInputError("waits must not be negative", field="first_wait")
    require_positive(timeout, "timeout")

    started = time.monotonic()
    retrying = Retrying(
        stop=stop_after_attempt(attempts),
        wait=wait_exponential(multiplier=first_wait, max=max_wait),
        retry=retry_if_result(lambda probe: not probe.passed),
        retry_error_callback=_last_probe,
    )
    with httpx.Client(timeout=timeout, follow_redirects=True) as client:
        probe: Probe = retrying(probe_once, client, url)
    return result_of(probe, url, retrying.statistics.get("attempt_number", 1), started)


def save_result(result: HealthResult, path: Path) -> Path:
    """Write ``result`` as JSON to ``path`` (creating its folder) and return the path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result.to_dict(), indent=2) + "\n", encoding="utf-8")
    return path


def _last_probe(state: RetryCallState) -> Probe:
    assert state.outcome is not None
    probe: Probe = state.outcome.result()
    return probe


def probe_once(client: httpx.Client, url: str) -> Probe:
    try:
        response = client.get(url)
    except httpx.TimeoutException:
        return Probe(problem=f"no answer within {client.timeout.read:g} s")
    except httpx.ConnectError as exc:
        return Probe(problem=_connect_problem(exc))
    except httpx.HTTPError as exc:
        return Probe(problem=f"the request failed: {exc}")
    content_type = response.headers.get("content-type")
    size = len(response.content)
    found = Probe(status_code=response.status_code, content_type=content_type, body_bytes=size,
                  headers={k.lower(): v for k, v in response.headers.items()},
                  body=response.content[:BODY_KEPT])
    if response.status_code != 200:
        problem = f"the site answered HTTP {response.status_code}"
    elif not _is_html(content_type):
        problem = f"content-type is {content_type or 'missing'}, expected text/html"
    elif size <= MIN_BODY_BYTES:
        problem = f"body is {size} bytes, expected more than {MIN_BODY_BYTES}"
    else:
        return found
    return Probe(found.status_code, found.content_type, found.body_bytes, problem,
                 found.headers, found.body)


def _is_html(content_type: str | None) -> bool:
    if not content_type:
        return False
    return content_type.split(";")[0].strip().lower() == "text/html"


def _connect_problem(exc: httpx.ConnectError) -> str:
    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, ConnectionRefusedError) or getattr(cause, "errno", None) == (
            errno.ECONNREFUSED
        ):
            return "connection refused"
        cause = cause.__cause__ or cause.__context__
    if "refused" in str(exc).lower():
        return "connection refused"
    return f"could not connect: {exc}"


def result_of(probe: Probe, url: str, tries: int, started: float,
              reason: str | None = None) -> HealthResult:
    return HealthResult(
        passed=probe.passed, url=url, status_code=probe.status_code,
        content_type=probe.content_type, body_bytes=probe.body_bytes, attempts=tries,
        seconds=round(time.monotonic() - started, 3),
        reason=None if probe.passed else (reason or _reason(probe, tries)),
    )


def _reason(probe: Probe, tries: int) -> str:
    times = f"{tries} attempt" if tries == 1 else f"{tries} attempts"
    if probe.problem and probe.problem.startswith("the site answered"):
        return f"{probe.problem} after {times}"
    return f"{probe.problem} ({times})"
