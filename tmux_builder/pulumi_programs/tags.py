"""The standard tags every taggable resource carries (SPEC section 4)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

PROJECT_TAG = "tmux-builder"
NEVER = "never"
COST_CENTER = "user-sites"
CREATED_BY = "tmux-builder-automation"


def _iso(moment: datetime | None) -> str:
    if moment is None:
        return NEVER
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class StandardTags:
    """Computed once per session. ``created_at`` is the session's creation time, so the tags
    are identical on every up of the same session and a redeploy rewrites nothing. A shared
    platform stack has no expiry (``ExpiresAt=never``); it is removed when no session uses it."""

    user_guid: str
    session_id: str
    execution_id: str
    site_type: str
    host_provider: str
    environment: str
    created_at: datetime
    expires_at: datetime | None
    project: str = field(default=PROJECT_TAG)
    cost_center: str = field(default=COST_CENTER)
    created_by: str = field(default=CREATED_BY)

    def as_dict(self) -> dict[str, str]:
        return {
            "Project": self.project,
            "Environment": self.environment,
            "UserGUID": self.user_guid,
            "SessionID": self.session_id,
            "ExecutionID": self.execution_id,
            "SiteType": self.site_type,
            "HostProvider": self.host_provider,
            "CostCenter": self.cost_center,
            "CreatedBy": self.created_by,
            "CreatedAt": _iso(self.created_at),
            "ExpiresAt": _iso(self.expires_at),
        }


STANDARD_TAG_KEYS: tuple[str, ...] = (
    "Project",
    "Environment",
    "UserGUID",
    "SessionID",
    "ExecutionID",
    "SiteType",
    "HostProvider",
    "CostCenter",
    "CreatedBy",
    "CreatedAt",
    "ExpiresAt",
)

# S3 takes at most 10 tags on an object. Object tags feed no cost report (billing groups by
# the bucket's tags), so the constant CostCenter, which the bucket carries, is the one left out.
OBJECT_TAG_KEYS: tuple[str, ...] = tuple(k for k in STANDARD_TAG_KEYS if k != "CostCenter")


def object_tags(tags: StandardTags) -> dict[str, str]:
    """The tags an S3 object carries (10, the most S3 allows on an object)."""
    everything = tags.as_dict()
    return {key: everything[key] for key in OBJECT_TAG_KEYS}
