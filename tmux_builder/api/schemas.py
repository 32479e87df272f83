"""Request and response models (shapes compatible with the seeds). Answers that are the
platform's own typed results (execution state, sessions, stacks, teardown state, orphans)
use those dataclasses as their response models directly."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field
from pydantic_core import PydanticCustomError

from tmux_builder.domain import (
    EMAIL_REGEX,
    PHONE_REGEX,
    JobStatus,
    Provider,
    SiteType,
    TokenScope,
)
from tmux_builder.platform.accounts.operator import OPERATOR_TOKEN_NAME
from tmux_builder.platform.accounts.tokens import NAME_MAX
from tmux_builder.platform.core.text import FREE_TEXT_REGEX, ONE_LINE_REGEX, control_character

# Enums take their string values from JSON (the request models are otherwise strict).
ProviderField = Annotated[Provider, Field(strict=False)]
SiteTypeField = Annotated[SiteType, Field(strict=False)]
ScopeField = Annotated[TokenScope, Field(strict=False)]


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


def _limits(min_length: int, max_length: int, *, multiline: bool, **extra: Any) -> Any:
    """A text field's limits. The check runs after them; the schema states it as a pattern
    (a validator placed before the limits would drop them from the schema)."""
    pattern = FREE_TEXT_REGEX if multiline else ONE_LINE_REGEX
    return Field(min_length=min_length, max_length=max_length,
                 json_schema_extra={"pattern": pattern}, **extra)


ONE_LINE = _checked_text(multiline=False)
FREE_TEXT = _checked_text(multiline=True)
Email = Annotated[str, Field(min_length=3, max_length=254, pattern=EMAIL_REGEX,
                             examples=["ann@example.com"]), ONE_LINE]
Phone = Annotated[str, Field(min_length=4, max_length=32, pattern=PHONE_REGEX,
                             examples=["+1 555 0100"]), ONE_LINE]
Request = Annotated[str, _limits(10, 20000, multiline=True), FREE_TEXT]
ChatText = Annotated[str, _limits(1, 4000, multiline=True), FREE_TEXT]
TokenName = Annotated[str, _limits(1, NAME_MAX, multiline=False, examples=["laptop"]),
                      ONE_LINE]
Code = Annotated[str, _limits(6, 20, multiline=False, examples=["12345678"]), ONE_LINE]
TOKEN_SHOWN_ONCE = ("The new user's first bearer token, shown once (stored hashed). Null when "
                    "the request carried the user's own token: nothing new is minted.")


class CreateUserRequest(Strict):
    email: Email
    phone: Phone
    host_provider: ProviderField = Provider.local
    site_type: SiteTypeField = SiteType.static
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


class ChatRequest(Strict):
    message: ChatText


class ChatAccepted(BaseModel):
    chat_id: int
    status: str = JobStatus.queued


class ChatMessageOut(BaseModel):
    role: str
    content: str
    created_at: datetime


class ChatHistory(BaseModel):
    messages: list[ChatMessageOut]
    pane: str


class RedeployAccepted(BaseModel):
    run: int
    status: str = JobStatus.queued
    status_url: str


def _whole_number(value: Any) -> Any:
    """A JSON number (1 or 1.0, as JSON Schema's integer allows), never a string or boolean."""
    if isinstance(value, bool | str):
        raise PydanticCustomError("int_type", "must be a whole number")
    return value


BuildNumber = Annotated[int, Field(ge=1, strict=False), BeforeValidator(_whole_number)]


class RollbackRequest(Strict):
    build: BuildNumber = Field(description="The number of an earlier good build (1 = build_v1).")


class RollbackAccepted(BaseModel):
    session_id: str
    execution_id: str
    build: str
    job_id: int
    status: str = JobStatus.queued
    status_url: str = Field(description="GET it to follow the rollback.")


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


class TeardownAccepted(BaseModel):
    session_id: str
    job_id: int
    status: str = JobStatus.queued
    status_url: str = Field(description="GET it to see how the teardown went.")


class CostTotals(BaseModel):
    resources: int
    monthly_usd: float
    to_date_usd: float


class CostReportOut(BaseModel):
    by: list[str]
    generated_at: str
    source: str
    price_table_version: str
    currency: str
    rows: list[dict[str, Any]] = Field(description="One row per group: the tags grouped by, "
                                       "resources, monthly_usd, to_date_usd.")
    totals: CostTotals
    actual: dict[str, Any] | None
    notes: list[str]


class CostSnapshotOut(BaseModel):
    id: int
    taken_at: str
    by: list[str]
    source: str
    price_table_version: str
    monthly_usd: float
    to_date_usd: float
    rows: list[dict[str, Any]]


class ReapedSessionOut(BaseModel):
    session_id: str
    stack_name: str
    job_id: int | None = Field(description="The reap job; null on a dry run.")
    status_url: str | None


class ReapAccepted(BaseModel):
    dry_run: bool
    sessions: list[ReapedSessionOut]


class TokenOut(BaseModel):
    id: int
    name: str
    scope: TokenScope
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
    scope: TokenScope
    created_at: datetime
    expires_at: datetime | None
    token: str = Field(description="The bearer token, shown once (stored hashed).")


class NewTokenRequest(Strict):
    name: TokenName
    scope: ScopeField = TokenScope.write
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
    scope: ScopeField = TokenScope.write
    expires_in_days: float | None = Field(default=None, gt=0, le=3650)


class Message(BaseModel):
    status: str
    detail: str = ""


class HealthOut(BaseModel):
    status: Literal["ok"]
    database: str = Field(description="The database's dialect: sqlite or postgresql.")
    pulumi: str


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
