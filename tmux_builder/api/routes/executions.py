"""Per-execution routes: status, live progress (SSE), screenshot, chat, redeploy, cancel.
Each needs the owner's token (chat, redeploy and cancel a write token); another user's
execution answers 404. Each user may hold a bounded number of open streams."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from dataclasses import asdict
from typing import Annotated, Any

import anyio
from fastapi import APIRouter, Query, status
from fastapi.responses import Response
from sse_starlette.sse import EventSourceResponse
from starlette.types import Receive, Scope, Send

from tmux_builder.api.deps import CurrentUser, ExecutionId, State, WriteUser
from tmux_builder.api.schemas import (
    ChatAccepted,
    ChatHistory,
    ChatMessageOut,
    ChatRequest,
    Message,
    RedeployAccepted,
)
from tmux_builder.platform.queue import jobs
from tmux_builder.platform.sessions.ownership import owned_execution
from tmux_builder.platform.sessions.requests import request_redeploy, send_chat
from tmux_builder.platform.sessions.status import (
    EventCursor,
    ExecutionState,
    chat_messages,
    events_since,
    execution_outcome,
    execution_status,
    screenshot_png,
)

router = APIRouter(prefix="/api", tags=["executions"])
PANE_TAIL_CHARS = 8000


class CountedEventStream(EventSourceResponse):
    """An event stream that gives its slot back however it ends (done, client gone, error)."""

    def __init__(self, content: AsyncIterator[dict[str, str]], release: Callable[[], None],
                 **kwargs: Any) -> None:
        super().__init__(content, **kwargs)
        self.release = release

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            self.release()


@router.get("/status/{execution_id}", response_model=ExecutionState)
def get_status(execution_id: ExecutionId, user: CurrentUser, state: State) -> ExecutionState:
    return execution_status(state.db, owned_execution(state.db, user, execution_id))


@router.get("/events/{execution_id}")
async def stream_events(
    execution_id: ExecutionId, user: CurrentUser, state: State
) -> EventSourceResponse:
    """Server-sent events: everything so far (steps, logs, status), then live events until
    the execution reaches its final state; the last event is ``end`` with that state. Live
    events follow PostgreSQL notifications where the database is PostgreSQL (polling on
    SQLite). At
    most ``TMUX_BUILDER_MAX_STREAMS_PER_USER`` streams per user are open at once (429)."""
    owned_execution(state.db, user, execution_id)
    release = state.streams.acquire(user)

    async def generate() -> AsyncIterator[dict[str, str]]:
        cursor = EventCursor()
        with state.progress.subscribe(execution_id) as wakeup:
            while True:
                wakeup.clear()  # before reading: a change during the read rings again
                events, final = await anyio.to_thread.run_sync(
                    events_since, state.db, execution_id, cursor
                )
                for event in events:
                    yield {"event": event.event, "data": json.dumps(event.data)}
                if final:
                    outcome = await anyio.to_thread.run_sync(
                        execution_outcome, state.db, execution_id
                    )
                    yield {"event": "end", "data": json.dumps(asdict(outcome))}
                    return
                await wakeup.wait()

    return CountedEventStream(generate(), release, ping=15)


@router.get("/screenshot/{execution_id}", response_class=Response,
            responses={200: {"content": {"image/png": {}}}})
def get_screenshot(
    execution_id: ExecutionId,
    user: CurrentUser,
    state: State,
    thumbnail: Annotated[bool, Query()] = False,
) -> Response:
    """The newest build's screenshot (or its thumbnail) as PNG, from the shared store."""
    owned_execution(state.db, user, execution_id)
    png = screenshot_png(state.db, state.store, execution_id, thumbnail=thumbnail)
    return Response(png, media_type="image/png")


@router.post(
    "/chat/{execution_id}", status_code=status.HTTP_202_ACCEPTED, response_model=ChatAccepted
)
def post_chat(
    execution_id: ExecutionId, body: ChatRequest, user: WriteUser, state: State
) -> ChatAccepted:
    """Store the message; the agent gets it through the prompt file (never send-keys)."""
    return ChatAccepted(
        chat_id=send_chat(state.db, owned_execution(state.db, user, execution_id),
                          body.message)
    )


@router.get("/chat/{execution_id}/history", response_model=ChatHistory)
def chat_history(execution_id: ExecutionId, user: CurrentUser, state: State) -> ChatHistory:
    owned_execution(state.db, user, execution_id)
    messages = [ChatMessageOut(role=m.role, content=m.content, created_at=m.created_at)
                for m in chat_messages(state.db, execution_id)]
    return ChatHistory(messages=messages,
                       pane=state.driver.capture(execution_id)[-PANE_TAIL_CHARS:])


@router.post(
    "/redeploy/{execution_id}",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=RedeployAccepted,
)
def redeploy(execution_id: ExecutionId, user: WriteUser, state: State) -> RedeployAccepted:
    run = request_redeploy(state.db, owned_execution(state.db, user, execution_id))
    return RedeployAccepted(run=run, status_url=f"/api/status/{execution_id}")


@router.post("/cancel/{execution_id}", status_code=status.HTTP_202_ACCEPTED, response_model=Message)
def cancel_execution(execution_id: ExecutionId, user: WriteUser, state: State) -> Message:
    jobs.cancel_execution(state.db, owned_execution(state.db, user, execution_id))
    return Message(status="cancelling")
