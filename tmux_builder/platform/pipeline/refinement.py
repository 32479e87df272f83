"""A chat message handed to the agent as a refinement of the site; the next redeploy
publishes what it changed."""

from __future__ import annotations

import time

from tmux_builder.agent_library import render_prompt
from tmux_builder.platform.agent.driver import AgentError
from tmux_builder.platform.db import ChatMessage, Execution
from tmux_builder.platform.pipeline.context import Services, StepFailed, load_context
from tmux_builder.platform.pipeline.event_log import new_debug_id

SOURCE = "refine"


def refine(services: Services, execution_id: str, chat_id: int) -> str:
    """The agent's reply, also stored as a chat message."""
    ctx = load_context(services, execution_id, 0)
    with services.db.transaction() as tx:
        message = tx.get_one(ChatMessage, chat_id).content
        build_number = len(tx.get_one(Execution, execution_id).builds)
    prompt = render_prompt("refinement_mode", message=message,
                           site_type=ctx.facts.site_type, host_provider=ctx.facts.provider,
                           build_number=str(build_number), workspace=str(ctx.workspace))
    started = time.monotonic()
    try:
        ctx.agent_phase(SOURCE, prompt)
        ctx.snapshot(SOURCE)
        reply = "Done: the site is updated in source/. Redeploy to publish it."
    except StepFailed as exc:
        debug_id = new_debug_id()
        ctx.log(SOURCE, exc.message, level="error", debug_id=debug_id)
        reply = f"The change was made but could not be kept ({exc.message}); debug id {debug_id}."
    except AgentError as exc:
        debug_id = new_debug_id()
        ctx.log(SOURCE, f"{exc.message}\n{exc.pane}", level="error", debug_id=debug_id)
        reply = f"The agent could not apply that change ({exc.message}); debug id {debug_id}."
    with services.db.transaction() as tx:
        tx.add(ChatMessage(execution_id=execution_id, role="agent", content=reply))
    ctx.log(SOURCE, f"refinement handled in {time.monotonic() - started:.1f}s")
    return reply
