"""Sessions with real local stacks for the operations tests."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import copy_sample
from tmux_builder.domain import user_id_for
from tmux_builder.platform.core.settings import Settings
from tmux_builder.platform.db import Database
from tmux_builder.platform.sessions.creation import CreatedSession, SessionRequest, create_session
from tmux_builder.platform.sites.deployments import SessionFacts, deploy_site
from tmux_builder.stacks import StackEngine


def facts_of(created: CreatedSession, provider: str = "local",
             site_type: str = "static") -> SessionFacts:
    return SessionFacts(created.user_id, created.session_id, provider, site_type,
                        created.created_at, created.expires_at - created.created_at)


def deployed_session(db: Database, settings: Settings, engine: StackEngine, email: str, *,
                     sample: str = "static_site", ttl_days: float | None = None,
                     ) -> CreatedSession:
    """A session row (create_session, as the identity's owner: a second session of one
    email is allowed) whose stack is deployed from a sample site, with a workspace holding
    that source."""
    site_type = "static" if sample == "static_site" else "dynamic"
    phone = "+1 555 0100"
    created = create_session(db, settings, SessionRequest(
        email, phone, "local", site_type, "a small site for the operations tests", ttl_days),
        signed_in_as=user_id_for(email, phone))
    workspace = settings.users_dir / created.user_id / "sessions" / created.session_id
    source = copy_sample(sample, workspace / "source")
    deploy_site(settings, engine, facts_of(created, site_type=site_type), Path(source), db=db)
    return created
