"""Request and response models (shapes compatible with the seeds)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from tmux_builder.platform.ids import EMAIL_REGEX, PHONE_REGEX

Provider = Literal["local", "aws", "azure"]
SiteType = Literal["static", "dynamic"]


class Strict(BaseModel):
    """Request bodies: unknown fields refused, no lax coercion (true is not a number)."""

    model_config = ConfigDict(extra="forbid", strict=True)


NON_BLANK = r"\S"


class CreateUserRequest(Strict):
    email: str = Field(min_length=3, max_length=254, pattern=EMAIL_REGEX,
                       examples=["ann@example.com"])
    phone: str = Field(min_length=4, max_length=32, pattern=PHONE_REGEX,
                       examples=["+1 555 0100"])
    host_provider: Provider = "local"
    site_type: SiteType = "static"
    requirements: str = Field(min_length=10, max_length=20000, pattern=NON_BLANK)
    ttl_days: float | None = Field(default=None, gt=0, le=90)


class CreateUserResponse(BaseModel):
    user_id: str
    session_id: str
    execution_id: str
    token: str
    status_url: str
    events_url: str
    expires_at: datetime
    created_at: datetime


class RegisterRequest(Strict):
    email: str = Field(min_length=3, max_length=254, pattern=EMAIL_REGEX)
    phone: str = Field(min_length=4, max_length=32, pattern=PHONE_REGEX)
    initial_request: str = Field(min_length=10, max_length=20000, pattern=NON_BLANK)


class RegisterResponse(BaseModel):
    guid: str
    url: str | None
    status_check_url: str
    expires_at: datetime
    created_at: datetime
    token: str


class StepOut(BaseModel):
    run: int
    number: int
    name: str
    status: str
    started_at: str
    ended_at: str | None
    duration_seconds: float | None
    details: dict[str, Any]


class BuildOut(BaseModel):
    label: str
    url: str | None
    pulumi_update: int | None
    created_at: str


class StatusResponse(BaseModel):
    execution_id: str
    user_id: str
    session_id: str
    status: str
    current_step: int
    current_step_name: str | None
    total_steps: int
    completed_steps: int
    percent: int
    deployed_url: str | None
    error: str | None
    debug_id: str | None
    builds: list[BuildOut]
    steps: list[StepOut]
    step_names: list[str]


class SessionOut(BaseModel):
    session_id: str
    execution_id: str
    host_provider: str
    site_type: str
    status: str
    execution_status: str
    deployed_url: str | None
    created_at: datetime
    expires_at: datetime


class ChatRequest(Strict):
    message: str = Field(min_length=1, max_length=4000, pattern=NON_BLANK)


class ChatAccepted(BaseModel):
    chat_id: int
    status: str = "queued"


class ChatMessageOut(BaseModel):
    role: str
    content: str
    created_at: datetime


class ChatHistory(BaseModel):
    messages: list[ChatMessageOut]
    pane: str


class RedeployAccepted(BaseModel):
    run: int
    status: str = "queued"
    status_url: str


class ExtendRequest(Strict):
    days: float = Field(gt=0, le=90)


class ExtendResponse(BaseModel):
    session_id: str
    expires_at: datetime


class StackOut(BaseModel):
    name: str
    resource_count: int | None
    last_update: datetime | None
    update_in_progress: bool | None


class TeardownOut(BaseModel):
    session_id: str
    torn_down: bool
    details: dict[str, Any]


class Message(BaseModel):
    status: str
    detail: str = ""


class ErrorDetail(BaseModel):
    code: str
    field: str | None
    rule: str | None
    message: str


class ErrorBody(BaseModel):
    error: ErrorDetail


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorBody, "description": description}
    for status, description in (
        (400, "Refused"), (401, "Missing or invalid bearer token"),
        (404, "Not found (or not yours)"), (409, "Busy"),
        (422, "Invalid input: the error names the field and the rule"),
        (429, "Too many creations; see Retry-After"), (502, "Pulumi operation failed"),
        (503, "Toolchain missing"),
    )
}
