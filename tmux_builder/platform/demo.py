"""``make demo`` for now: the bundled sample site deployed as one local stack."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

from tmux_builder.platform.deployments import SessionFacts, deploy_site
from tmux_builder.platform.engine import stack_engine
from tmux_builder.platform.ids import new_session_id, user_id_for
from tmux_builder.platform.settings import Settings
from tmux_builder.platform.site_server import start_site_server_background

SAMPLE_SITE = Path(__file__).parent / "samples" / "static_site"
DEMO_EMAIL = "demo@tmux-builder.local"
DEMO_PHONE = "+10000000000"


@dataclass(frozen=True)
class DemoResult:
    url: str
    stack_name: str
    user_id: str
    status_code: int
    changes: dict[str, int]


def run_demo(settings: Settings) -> DemoResult:
    user_id = user_id_for(DEMO_EMAIL, DEMO_PHONE)
    facts = SessionFacts(user_id=user_id, session_id=new_session_id(), provider="local",
                         site_type="static", created_at=datetime.now(UTC),
                         ttl=timedelta(days=settings.session_ttl_days))
    engine = stack_engine(settings)
    result = deploy_site(settings, engine, facts, SAMPLE_SITE)
    start_site_server_background(settings)
    url = str(result.outputs["url"])
    status = httpx.get(url, timeout=10).status_code
    return DemoResult(url, facts.stack_name, user_id, status, result.changes)
