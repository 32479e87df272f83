"""The mock layer's copy of the clouds' refusals: every registered resource is checked against
the documented limits (``tmux_builder.pulumi_programs.limits``) with the tags it will really
carry (an AWS resource's own tags plus its provider's default tags), and, once the program has
registered everything, the limits that span resources (endpoints per Front Door profile;
bucket settings S3 refuses to change concurrently)."""

from __future__ import annotations

import json
import sys
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from pulumi.runtime.rpc import _special_secret_sig as SECRET_SIG
from pulumi.runtime.rpc import _special_sig_key as SECRET_SIG_KEY

from tmux_builder.pulumi_programs.azure.tagging import resource_class
from tmux_builder.pulumi_programs.limits import (
    PER_PARENT_LIMITS,
    S3_BUCKET_SETTINGS,
    S3_CONCURRENCY_DOC,
    Violation,
    check_resource,
)

AWS_PROVIDER = "pulumi:providers:aws"


class ProviderLimitError(Exception):
    """What the cloud would answer: the deploy fails naming the broken limits."""

    def __init__(self, violations: list[Violation]) -> None:
        super().__init__("the cloud would refuse this deploy:\n" +
                         "\n".join(f"  - {v}" for v in violations))
        self.violations = violations


def schema_takes_tags(type_token: str) -> bool:
    """The type's generated ``<Type>Args`` class has a ``tags`` input (its schema)."""
    cls = resource_class(type_token)
    if cls is None:
        return False
    args_class = getattr(sys.modules[cls.__module__], f"{cls.__name__}Args", None)
    return isinstance(getattr(args_class, "tags", None), property)


def reveal(value: Any) -> Any:
    """Inputs as the cloud receives them: secrets are decrypted before the API call."""
    if isinstance(value, dict):
        if value.get(SECRET_SIG_KEY) == SECRET_SIG:
            return reveal(value.get("value"))
        return {k: reveal(v) for k, v in value.items()}
    if isinstance(value, list):
        return [reveal(v) for v in value]
    return value


def _tags(value: Any) -> dict[str, str]:
    if isinstance(value, str):
        value = json.loads(value)
    return {str(k): str(v) for k, v in (value or {}).items()} if isinstance(value, dict) else {}


@dataclass
class Seen:
    urn: str
    type_token: str
    name: str
    inputs: dict[str, Any]
    dependencies: set[str]


@dataclass
class CloudRules:
    default_tags: dict[str, dict[str, str]] = field(default_factory=dict)
    seen: dict[str, Seen] = field(default_factory=dict)
    violations: list[Violation] = field(default_factory=list)

    def effective_tags(self, type_token: str, inputs: dict[str, Any],
                       provider: str | None) -> dict[str, str] | None:
        if not schema_takes_tags(type_token):
            return None
        own = _tags(inputs.get("tags"))
        if type_token.startswith("aws:"):
            urn = (provider or "").rsplit("::", 1)[0]
            return {**self.default_tags.get(urn, {}), **own}
        return own

    def observe(self, urn: str, type_token: str, name: str, inputs: dict[str, Any],
                provider: str | None, dependencies: set[str]) -> None:
        """Check one resource as it is registered and remember what the cloud would refuse
        (raised by ``finish`` once the program has registered everything: raising inside a
        registration would leave the program's other registrations running)."""
        inputs = reveal(inputs)
        if type_token == AWS_PROVIDER:
            default = inputs.get("defaultTags")
            default = json.loads(default) if isinstance(default, str) else default or {}
            self.default_tags[urn] = _tags(default.get("tags"))
            return
        self.seen[urn] = Seen(urn, type_token, name, inputs, dependencies)
        if type_token.startswith("pulumi:"):
            return
        found = []
        if "tags" in inputs and not schema_takes_tags(type_token) \
                and type_token.startswith("azure-native:"):
            found.append(Violation(type_token, name, "this type takes no tags",
                                   "the azure-native schema"))
        found += check_resource(type_token, name, inputs,
                                self.effective_tags(type_token, inputs, provider))
        self.violations += found

    def finish(self) -> None:
        """Add the limits that span resources; raise when any limit is broken."""
        self.violations += self._per_parent() + self._bucket_settings_ordering()
        if self.violations:
            raise ProviderLimitError(self.violations)

    def _per_parent(self) -> list[Violation]:
        found = []
        for type_token, (parent_field, limit, source) in PER_PARENT_LIMITS.items():
            counts = Counter(str(s.inputs.get(parent_field)) for s in self.seen.values()
                             if s.type_token == type_token)
            found += [Violation(type_token, parent, f"{count} per {parent_field}, at most {limit}",
                                source) for parent, count in counts.items() if count > limit]
        return found

    def _reaches(self, start: str, goal: str) -> bool:
        stack, visited = [start], set()
        while stack:
            urn = stack.pop()
            if urn == goal:
                return True
            if urn in visited or urn not in self.seen:
                continue
            visited.add(urn)
            stack.extend(self.seen[urn].dependencies)
        return False

    def _bucket_settings_ordering(self) -> list[Violation]:
        settings = [s for s in self.seen.values() if s.type_token in S3_BUCKET_SETTINGS]
        found = []
        for i, first in enumerate(settings):
            for second in settings[i + 1:]:
                if first.inputs.get("bucket") != second.inputs.get("bucket"):
                    continue
                if not (self._reaches(first.urn, second.urn)
                        or self._reaches(second.urn, first.urn)):
                    found.append(Violation(
                        second.type_token, second.name,
                        f"written to bucket {second.inputs.get('bucket')} at the same time as "
                        f"{first.type_token} {first.name}; order them with depends_on",
                        S3_CONCURRENCY_DOC))
        return found
