"""The platform's words, defined once: providers, site types, statuses, job kinds, the ordered
pipeline steps, token scopes, and the id rules (SPEC section 6).

Like ``errors.py`` this module imports nothing of ours, so every layer may use it (the API
schemas, the database models, the workers, the programs' registry, the dashboard). Values
are ``StrEnum`` members: they compare equal to their strings and are stored as such.

One rule owns the ids: a user id is the uuid5 of the normalised ``email|phone``; a session
id is ``sess_YYYYMMDD_HHMMSS_xxxx``; the execution id and the session's stack name are the
same string, ``<user_id>_<session_id>``, so one user's stacks share the prefix
``<user_id>_``."""

from __future__ import annotations

import re
import secrets
import uuid
from datetime import UTC, datetime
from enum import StrEnum

from tmux_builder.errors import InvalidInputError


class Provider(StrEnum):
    local = "local"
    aws = "aws"
    azure = "azure"


class SiteType(StrEnum):
    static = "static"
    dynamic = "dynamic"


class ExecutionStatus(StrEnum):
    queued = "queued"
    running = "running"
    completed = "completed"
    failed = "failed"
    cancelled = "cancelled"

    @property
    def final(self) -> bool:
        return self in FINAL_EXECUTION_STATUSES


FINAL_EXECUTION_STATUSES = frozenset(
    {ExecutionStatus.completed, ExecutionStatus.failed, ExecutionStatus.cancelled})


class JobStatus(StrEnum):
    queued = "queued"
    running = "running"
    done = "done"
    failed = "failed"
    cancelled = "cancelled"


PENDING_JOB_STATUSES = (JobStatus.queued, JobStatus.running)


class StepStatus(StrEnum):
    running = "running"
    completed = "completed"
    failed = "failed"
    cancelled = "cancelled"
    interrupted = "interrupted"  # left running by a worker that died


class SessionStatus(StrEnum):
    active = "active"
    torn_down = "torn_down"


class JobKind(StrEnum):
    pipeline = "pipeline"  # steps 1-9 of a new execution
    redeploy = "redeploy"  # steps 6-9 again (a new build)
    refine = "refine"  # a chat message handed to the agent
    teardown = "teardown"  # one session's stack, tmux and workspace
    reap = "reap"  # every expired session
    rollback = "rollback"  # deploy an earlier good build again
    drift = "drift"  # preview a refresh of the session's stack: did it drift?


TEARDOWN_KINDS = frozenset({JobKind.teardown, JobKind.reap})


class StepName(StrEnum):
    """The pipeline's steps in order (SPEC section 9); ``number`` is the 1-based position."""

    create_user = "create_user"
    create_session = "create_session"
    gather_requirements = "gather_requirements"
    create_plan = "create_plan"
    generate_code = "generate_code"
    deploy = "deploy"
    health_check = "health_check"
    screenshot = "screenshot"
    e2e_tests = "e2e_tests"

    @property
    def number(self) -> int:
        return STEPS.index(self) + 1

    @property
    def label(self) -> str:
        """How the dashboard names the step."""
        return "E2E tests" if self is StepName.e2e_tests else self.value.replace(
            "_", " ").capitalize()

    @classmethod
    def at(cls, number: int) -> StepName:
        return STEPS[number - 1]


STEPS: tuple[StepName, ...] = tuple(StepName)
TOTAL_STEPS = len(STEPS)
REDEPLOY_FIRST_STEP = StepName.deploy.number  # a redeploy runs deploy..e2e_tests again


class TokenScope(StrEnum):
    read = "read"
    write = "write"


# --- ids -------------------------------------------------------------------------------

USER_NAMESPACE = uuid.UUID("5b0f4c39-6f4e-4f59-9a38-0b7f3d2b1c11")
USER_ID_REGEX = r"^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$"
SESSION_ID_REGEX = r"^sess_[0-9]{8}_[0-9]{6}_[0-9a-f]{4}$"
EXECUTION_ID_REGEX = USER_ID_REGEX[:-1] + "_" + SESSION_ID_REGEX[1:]
USER_ID_MAX = 36
SESSION_ID_MAX = 32
EXECUTION_ID_MAX = USER_ID_MAX + 1 + SESSION_ID_MAX
# Explicit ASCII classes: Python's re, Pydantic's engine and JSON-Schema generators all read
# them alike (they disagree on what \s covers).
EMAIL_REGEX = r"^[A-Za-z0-9._%+'-]{1,64}@[A-Za-z0-9-]{1,63}(\.[A-Za-z0-9-]{1,63})*\.[A-Za-z]{2,24}$"
PHONE_REGEX = r"^[+]?[ ().-]*([0-9][ ().-]*){4,15}$"
USER_ID_PATTERN = re.compile(USER_ID_REGEX)
SESSION_ID_PATTERN = re.compile(SESSION_ID_REGEX)
EXECUTION_ID_PATTERN = re.compile(EXECUTION_ID_REGEX)


def normalize_email(email: str) -> str:
    return email.strip().lower()


def normalize_phone(phone: str) -> str:
    return re.sub(r"[^\d+]", "", phone.strip())


def user_id_for(email: str, phone: str) -> str:
    """uuid5 of the normalized ``email|phone``: the same person always gets the same id."""
    return str(uuid.uuid5(USER_NAMESPACE, f"{normalize_email(email)}|{normalize_phone(phone)}"))


def new_session_id(now: datetime | None = None) -> str:
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    return f"sess_{moment:%Y%m%d_%H%M%S}_{secrets.token_hex(2)}"


def validate_user_id(value: str) -> str:
    if not isinstance(value, str) or not USER_ID_PATTERN.fullmatch(value):
        raise InvalidInputError("must be a uuid5 user id", field="user_id")
    return value


def validate_session_id(value: str) -> str:
    if not isinstance(value, str) or not SESSION_ID_PATTERN.fullmatch(value):
        raise InvalidInputError("must look like sess_YYYYMMDD_HHMMSS_xxxx", field="session_id")
    return value


def execution_id_for(user_id: str, session_id: str) -> str:
    """The execution id of a session, which is also the name of its stack."""
    return f"{validate_user_id(user_id)}_{validate_session_id(session_id)}"


def validate_execution_id(value: str) -> str:
    if not isinstance(value, str) or not EXECUTION_ID_PATTERN.fullmatch(value):
        raise InvalidInputError("must be <user_id>_<session_id>", field="execution_id")
    return value


def split_execution_id(value: str) -> tuple[str, str]:
    """``<user_id>_<session_id>`` -> (user_id, session_id); the user id holds no ``_``."""
    user_id, _, session_id = value.partition("_")
    return user_id, session_id


def user_stack_prefix(user_id: str) -> str:
    """What every stack name of one user starts with."""
    return f"{validate_user_id(user_id)}_"


PLATFORM_PREFIX = "platform-"
_REGION = re.compile(r"^[a-z0-9-]+$")


def platform_stack_name(provider: str, region: str) -> str:
    """The stack sessions of one provider and region share, ``platform-azure-westeurope``:
    no ``_``, so it never looks like a session stack."""
    if provider not in (Provider.aws, Provider.azure) or not _REGION.match(region):
        raise ValueError(f"no platform stack for {provider!r} in {region!r}")
    return f"{PLATFORM_PREFIX}{provider}-{region}"


def is_platform_stack(stack_name: str) -> bool:
    return stack_name.startswith(PLATFORM_PREFIX)
