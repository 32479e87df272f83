"""Request and response models (shapes compatible with the seeds)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field
from pydantic_core import PydanticCustomError

from tmux_builder.domain import EMAIL_REGEX, PHONE_REGEX
from tmux_builder.platform.accounts.operator import OPERATOR_TOKEN_NAME
from tmux_builder.platform.accounts.tokens import NAME_MAX
from tmux_builder.platform.core.text import FREE_TEXT_REGEX, ONE_LINE_REGEX, control_character

Provider = Literal["local", "aws", "azure"]
SiteType = Literal["static", "dynamic"]


class Strict(BaseModel):
    """Request bodies: unknown fields refused, no lax coercion (true is not a number)."""

    model_config = ConfigDict(extra="forbid", strict=True)


def _checked_text(multiline: bool) -> AfterValidator:
    """No control character (line breaks and tabs allowed in free text) and not blank."""

    def check(value: str) -> str:
        found = control_character(value, multiline=multiline)
        if found is not None:
            raise PydanticCustomError("control_characters",
                                      "must not contain control characters (found U+{code})",
                                      {"code": f"{ord(found):04X}"})
        if not value.strip():
            raise PydanticCustomError("blank", "must not be blank")
        return value

    return AfterValidator(check)


def text(min_length: int, max_length: int, *, multiline: bool, **extra: Any) -> Any:
    """A text field. The check runs after the length limits; the schema states it as a
    pattern (a validator placed before the limits would drop them from the schema)."""
    pattern = FREE_TEXT_REGEX if multiline else ONE_LINE_REGEX
    return Annotated[str, Field(min_length=min_length, max_length=max_length,
                                json_schema_extra={"pattern": pattern}, **extra),
                     _checked_text(multiline)]


ONE_LINE = _checked_text(multiline=False)
Email = Annotated[str, Field(min_length=3, max_length=254, pattern=EMAIL_REGEX,
                             examples=["ann@example.com"]), ONE_LINE]
Phone = Annotated[str, Field(min_length=4, max_length=32, pattern=PHONE_REGEX,
                             examples=["+1 555 0100"]), ONE_LINE]
Request = text(10, 20000, multiline=True)
ChatText = text(1, 4000, multiline=True)
TokenName = text(1, NAME_MAX, multiline=False, examples=["laptop"])
Code = text(6, 20, multiline=False, examples=["12345678"])
TOKEN_SHOWN_ONCE = ("The new user's first bearer token, shown once (stored hashed). Null when "
                    "the request carried the user's own token: nothing new is minted.")


class CreateUserRequest(Strict):
    email: Email
    phone: Phone
    host_provider: Provider = "local"
    site_type: SiteType = "static"
    requirements: Request
    ttl_days: float | None = Field(default=None, gt=0, le=90)


class CreateUserResponse(BaseModel):
    user_id: str
    session_id: str
    execution_id: str
    token: str | None = Field(description=TOKEN_SHOWN_ONCE)
    status_url: str
    events_url: str
    expires_at: datetime
    created_at: datetime


class RegisterRequest(Strict):
    email: Email
    phone: Phone
    initial_request: Request


class RegisterResponse(BaseModel):
    guid: str
    url: str | None
    status_check_url: str
    expires_at: datetime
    created_at: datetime
    token: str | None = Field(description=TOKEN_SHOWN_ONCE)


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
    message: ChatText


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


Scope = Literal["read", "write"]


class TokenOut(BaseModel):
    id: int
    name: str
    scope: Scope
    created_at: datetime
    last_used_at: datetime | None
    expires_at: datetime | None
    revoked_at: datetime | None
    state: Literal["active", "revoked", "expired"]
    current: bool = Field(description="This is the token the request was made with.")


class IssuedTokenOut(BaseModel):
    id: int
    user_id: str
    name: str
    scope: Scope
    created_at: datetime
    expires_at: datetime | None
    token: str = Field(description="The bearer token, shown once (stored hashed).")


class NewTokenRequest(Strict):
    name: TokenName
    scope: Scope = "write"
    expires_in_days: float | None = Field(
        default=None, gt=0, le=3650,
        description="Lifetime; at most TMUX_BUILDER_TOKEN_TTL_DAYS when that is set.")


class RenameTokenRequest(Strict):
    name: TokenName


class RecoverRequest(Strict):
    email: Email
    phone: Phone | None = Field(
        default=None, description="Only the account of this email with this phone number.")


class RecoverAccepted(BaseModel):
    status: Literal["accepted"] = "accepted"
    detail: str


class VerifyRequest(Strict):
    email: Email
    code: Code


class AdminTokenRequest(Strict):
    email: Email
    phone: Phone | None = None
    name: TokenName = OPERATOR_TOKEN_NAME
    scope: Scope = "write"
    expires_in_days: float | None = Field(default=None, gt=0, le=3650)


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
        (400, "Refused"), (401, "Missing, invalid, revoked or expired bearer token"),
        (403, "The token's scope does not allow this (read-only)"),
        (404, "Not found (or not yours)"),
        (409, "Busy, or the identity already has an account (sign in or recover)"),
        (413, "Request body too large"),
        (422, "Invalid input: the error names the field and the rule"),
        (429, "Too many requests or open streams; see Retry-After"),
        (502, "Pulumi operation failed"), (503, "Toolchain missing or feature not configured"),
    )
}
