"""How long each target may take to become ready after ``up`` returns, and how to tell.

``up`` returns when the cloud has accepted every resource, not when the site answers: a VM
still runs cloud-init (packages, the app's dependencies) for minutes, and a new Front Door
endpoint takes a while to reach the edge. The health step waits up to ``max_wait_seconds``,
reading the target's own signal to report progress and to name what was not ready."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import pulumi

# The signals a health check knows how to read.
NO_SIGNAL = "none"
BOOT_STATUS = "boot-status"  # the VM's boot status server (cloud_boot): 503 + stage header
FRONT_DOOR = "front-door"  # Front Door answers 400/404 itself until the route is live
CLOUDFRONT = "cloudfront"  # CloudFront answers from the edge once the distribution deployed

FRONT_DOOR_PROPAGATION_DOC = ("https://learn.microsoft.com/en-us/answers/questions/1669065/"
                              "getting-error-our-services-arent-available-right-n")


@dataclass(frozen=True)
class Readiness:
    max_wait_seconds: float
    signal: str
    what: str
    source: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


READINESS: dict[tuple[str, str], Readiness] = {
    ("local", "static"): Readiness(
        30, NO_SIGNAL, "the site server serves the published folder"),
    ("local", "dynamic"): Readiness(
        30, NO_SIGNAL, "the app process answers on its port (up already waited for it)"),
    ("aws", "static"): Readiness(
        600, CLOUDFRONT,
        "CloudFront serves the new distribution and its S3 origin from every edge"),
    ("aws", "dynamic"): Readiness(
        900, BOOT_STATUS,
        "the instance boots; cloud-init installs the runtime, fetches the artifact, installs "
        "the app's dependencies and starts it"),
    ("azure", "static"): Readiness(
        3600, FRONT_DOOR,
        "the new Front Door endpoint and route reach the edge (Microsoft: 10 to 90 minutes "
        "for a new Standard endpoint)", FRONT_DOOR_PROPAGATION_DOC),
    ("azure", "dynamic"): Readiness(
        900, BOOT_STATUS,
        "the VM boots; cloud-init installs the runtime, fetches the artifact, installs the "
        "app's dependencies and starts it"),
}


def readiness_for(provider: str, site_type: str) -> Readiness:
    return READINESS.get((provider, site_type), READINESS[("local", "static")])


def export_readiness(provider: str, site_type: str) -> None:
    """A stack output, so an operator reading the stack sees what to wait for."""
    pulumi.export("readiness", readiness_for(provider, site_type).to_dict())
