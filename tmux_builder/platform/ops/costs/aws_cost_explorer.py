"""AWS Cost Explorer ``GetCostAndUsage`` grouped by a cost-allocation tag, every page
(``NextPageToken``). Credentials are found exactly as boto3 finds them (environment, the
shared config and credentials files with SSO, ``credential_process`` and assumed roles,
container and instance roles). A tag that is not an active cost-allocation tag groups every
dollar under ``untagged``, so the report checks it and says so."""

from __future__ import annotations

from datetime import date
from typing import Any, Protocol

from tmux_builder.platform.core.settings import Settings
from tmux_builder.platform.ops.costs.errors import ActualCostUnavailable

TAG = "UserGUID"
METRIC = "UnblendedCost"
ACTIVATE_DOC = ("https://docs.aws.amazon.com/awsaccountbilling/latest/aboutv2/"
                "activating-tags.html")


class CostExplorerClient(Protocol):
    def get_cost_and_usage(self, **kwargs: Any) -> dict[str, Any]: ...

    def list_cost_allocation_tags(self, **kwargs: Any) -> dict[str, Any]: ...


def aws_costs_by_tag(client: CostExplorerClient, start: date, end: date,
                     tag: str = TAG) -> list[tuple[str, float, str]]:
    """(tag value, amount, currency) summed over the period; untagged spend is ``untagged``.
    An answer without the expected fields raises ``ActualCostUnavailable``."""
    totals: dict[tuple[str, str], float] = {}
    request: dict[str, Any] = {
        "TimePeriod": {"Start": start.isoformat(), "End": end.isoformat()},
        "Granularity": "MONTHLY",
        "Metrics": [METRIC],
        "GroupBy": [{"Type": "TAG", "Key": tag}],
    }
    while True:
        page = client.get_cost_and_usage(**request)
        try:
            for period in page.get("ResultsByTime", []):
                for group in period.get("Groups", []):
                    value = group["Keys"][0].split("$", 1)[-1] or "untagged"
                    metric = group["Metrics"][METRIC]
                    key = (value, metric.get("Unit", "USD"))
                    totals[key] = totals.get(key, 0.0) + float(metric["Amount"])
        except (KeyError, IndexError, TypeError, ValueError) as error:
            raise ActualCostUnavailable(
                f"Cost Explorer answered without the expected fields ({error!r})") from error
        token = page.get("NextPageToken")
        if not token:
            break
        request["NextPageToken"] = token
    return [(value, round(amount, 6), unit) for (value, unit), amount in sorted(totals.items())]


def tag_activation_note(client: CostExplorerClient, tag: str = TAG) -> str | None:
    """A note when ``tag`` is not an active cost-allocation tag (None when it is)."""
    try:
        answer = client.list_cost_allocation_tags(TagKeys=[tag], Type="UserDefined")
    except Exception as error:  # e.g. AccessDenied: say what could not be checked
        return f"could not check that {tag} is an active cost allocation tag: {error}"
    found = [t for t in answer.get("CostAllocationTags", []) if t.get("TagKey") == tag]
    if found and found[0].get("Status") == "Active":
        return None
    state = found[0].get("Status", "unknown").lower() if found else "not yet seen by billing"
    return (f"{tag} is not an active AWS cost allocation tag ({state}): AWS groups the spend "
            f"under 'untagged' until it is activated (aws ce update-cost-allocation-tags-status "
            f"--cost-allocation-tags-status TagKey={tag},Status=Active; it applies from "
            f"activation on, not to past costs; {ACTIVATE_DOC})")


def cost_explorer_client(settings: Settings) -> CostExplorerClient:
    """A boto3 Cost Explorer client with credentials from boto3's own chain, or
    ActualCostUnavailable saying what is missing."""
    try:
        import boto3
        from botocore.config import Config
        from botocore.exceptions import BotoCoreError
    except ImportError as error:
        raise ActualCostUnavailable("boto3 is not installed (pip install "
                                    "'tmux-builder[aws]')") from error
    try:
        session = boto3.Session(profile_name=settings.aws_profile)
        credentials = session.get_credentials()
    except BotoCoreError as error:
        raise ActualCostUnavailable(f"AWS credentials: {error}", field="aws_profile") from error
    if credentials is None:
        raise ActualCostUnavailable(
            "no AWS credentials: boto3 found none in the environment, the shared config and "
            "credentials files (profiles, SSO, credential_process, roles) or a container or "
            "instance role (set TMUX_BUILDER_AWS_PROFILE or AWS_* variables)",
            field="aws_profile")
    config = Config(retries={"mode": "standard", "max_attempts": 5})
    return session.client("ce", region_name="us-east-1", config=config)  # type: ignore[no-any-return]
