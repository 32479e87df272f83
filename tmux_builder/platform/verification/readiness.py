"""Waiting for a cloud site to become ready: as long as its target says it may take, reading
the target's own signal so progress can be reported and a failure names what was not ready.

- boot status (VMs): until the app starts, the host's boot status server answers 503 with
  ``X-Tmux-Builder-Boot: <stage>`` and a JSON detail; stage ``failed`` ends the wait at once.
- Front Door: until a new route reaches the edge, Front Door itself answers 400/404 (its
  ``x-azure-ref`` header, no ``x-ms-request-id`` from the storage origin).
- otherwise the plain health verdict (status, content type, size) is the state."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass

import httpx

from tmux_builder.platform.verification.health import HealthResult, Probe, probe_once, result_of
from tmux_builder.platform.verification.urls import require_http_url, require_positive
from tmux_builder.pulumi_programs.cloud_boot import BOOT_HEADER
from tmux_builder.pulumi_programs.readiness import BOOT_STATUS, FRONT_DOOR, Readiness

Progress = Callable[[str], None]
PROGRESS_EVERY_SECONDS = 60.0


@dataclass(frozen=True)
class NotReady:
    state: str
    final: bool = False


def _boot_detail(probe: Probe) -> str:
    try:
        return str(json.loads(probe.body or b"{}").get("detail") or "")
    except (ValueError, AttributeError):
        return ""


def not_ready(probe: Probe, signal: str) -> NotReady:
    """What ``probe`` says about a site that is not ready yet, for ``signal``."""
    if probe.status_code is None and signal == BOOT_STATUS:
        return NotReady(f"the VM does not accept connections yet ({probe.problem})")
    stage = probe.headers.get(BOOT_HEADER.lower())
    if signal == BOOT_STATUS and stage:
        detail = _boot_detail(probe)
        if stage == "failed":
            return NotReady(f"the VM's boot script failed: {detail or 'no detail'}", final=True)
        return NotReady(f"the VM is booting, stage {stage}" + (f" ({detail})" if detail else ""))
    if (signal == FRONT_DOOR and probe.status_code in (400, 404)
            and "x-azure-ref" in probe.headers and "x-ms-request-id" not in probe.headers):
        return NotReady(f"the Front Door route has not reached the edge yet (HTTP "
                        f"{probe.status_code} from Front Door itself)")
    return NotReady(probe.problem or "not ready")


def wait_until_ready(
    url: str,
    readiness: Readiness,
    *,
    max_wait: float | None = None,
    interval: float = 10.0,
    timeout: float = 10.0,
    on_progress: Progress | None = None,
    progress_every: float = PROGRESS_EVERY_SECONDS,
) -> HealthResult:
    """Probe ``url`` every ``interval`` seconds until it passes the health check, its signal
    says it failed, or ``max_wait`` (default: the target's own) has passed."""
    require_http_url(url)
    limit = readiness.max_wait_seconds if max_wait is None else max_wait
    require_positive(limit, "max_wait")
    require_positive(interval, "interval")
    started = time.monotonic()
    deadline = started + limit
    attempts, last_state, last_report = 0, "", started
    with httpx.Client(timeout=timeout, follow_redirects=True) as client:
        while True:
            probe = probe_once(client, url)
            attempts += 1
            if probe.passed:
                if attempts > 1 and on_progress:
                    on_progress(f"ready after {time.monotonic() - started:.0f} s")
                return result_of(probe, url, attempts, started)
            state = not_ready(probe, readiness.signal)
            now = time.monotonic()
            if state.final:
                return result_of(probe, url, attempts, started, reason=state.state)
            if now >= deadline:
                return result_of(probe, url, attempts, started, reason=(
                    f"not ready after {limit:g} s: {state.state}; waited for "
                    f"{readiness.what}"))
            if on_progress and (state.state != last_state or now - last_report >= progress_every):
                on_progress(f"waiting for {readiness.what}: {state.state} "
                            f"({now - started:.0f} s of up to {limit:g} s)")
                last_state, last_report = state.state, now
            time.sleep(min(interval, max(deadline - now, 0.0)))
