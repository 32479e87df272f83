"""The shipped agent library: injection rules and copying agents and skills into a session."""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from tmux_builder.domain import Provider, SiteType
from tmux_builder.errors import InvalidInputError

PROVIDERS = tuple(Provider)
SITE_TYPES = tuple(SiteType)
RULES_FILE = "injection_rules.json"


@dataclass(frozen=True)
class InjectionRule:
    host_provider: str
    site_type: str
    agents: tuple[str, ...]
    skills: tuple[str, ...]


def library_root() -> Path:
    """Folder holding `agents/`, `skills/`, `templates/` and `injection_rules.json`."""
    return Path(__file__).resolve().parent


@cache
def load_rules() -> tuple[InjectionRule, ...]:
    data = json.loads((library_root() / RULES_FILE).read_text(encoding="utf-8"))
    return tuple(
        InjectionRule(
            host_provider=rule["match"]["host_provider"],
            site_type=rule["match"]["site_type"],
            agents=tuple(rule["agents"]),
            skills=tuple(rule["skills"]),
        )
        for rule in data["rules"]
    )


def find_rule(provider: str, site_type: str) -> InjectionRule:
    if provider not in PROVIDERS:
        raise InvalidInputError(
            f"unknown host provider {provider!r}; expected one of {', '.join(PROVIDERS)}",
            field="host_provider",
        )
    if site_type not in SITE_TYPES:
        raise InvalidInputError(
            f"unknown site type {site_type!r}; expected one of {', '.join(SITE_TYPES)}",
            field="site_type",
        )
    for rule in load_rules():
        if rule.host_provider == provider and rule.site_type == site_type:
            return rule
    raise InvalidInputError(
        f"no injection rule for {provider}/{site_type}", field="site_type"
    )


def expand_pattern(pattern: str) -> list[Path]:
    """Library files named by one rule entry; `dir/*` means every `.md` file of `dir`."""
    root = library_root()
    if ".." in Path(pattern).parts or Path(pattern).is_absolute():
        raise InvalidInputError(f"rule path {pattern!r} leaves the library", field="rules")
    if pattern.endswith("/*"):
        folder = root / pattern[:-2]
        files = sorted(folder.glob("*.md")) if folder.is_dir() else []
    else:
        target = root / pattern
        files = [target] if target.is_file() else []
    if not files:
        raise InvalidInputError(f"rule path {pattern!r} names no library file", field="rules")
    return files


def _expand_all(patterns: tuple[str, ...]) -> list[Path]:
    seen: dict[Path, None] = {}
    for pattern in patterns:
        for path in expand_pattern(pattern):
            seen.setdefault(path, None)
    return list(seen)


def rule_agent_files(provider: str, site_type: str) -> list[Path]:
    return _expand_all(find_rule(provider, site_type).agents)


def rule_skill_files(provider: str, site_type: str) -> list[Path]:
    return _expand_all(find_rule(provider, site_type).skills)


def rule_files(provider: str, site_type: str) -> list[Path]:
    """Every library file (agents, then skills) the rule for this pair names, wildcards expanded."""
    return rule_agent_files(provider, site_type) + rule_skill_files(provider, site_type)


def inject_session_library(workspace: Path, provider: str, site_type: str) -> list[Path]:
    """Copy the pair's agents to `.claude/agents/<name>.md` and its skills to
    `.claude/skills/<name>/SKILL.md`, the layouts Claude Code discovers (it reads a skill only
    from a folder of its own); return the written paths."""
    agents = rule_agent_files(provider, site_type)
    skills = rule_skill_files(provider, site_type)
    claude = workspace / ".claude"
    plan: dict[Path, Path] = {}
    for source in agents:
        destination = claude / "agents" / source.name
        if destination in plan:
            raise InvalidInputError(f"two agents named {source.name}", field="rules")
        plan[destination] = source
    for source in skills:
        destination = claude / "skills" / source.stem / "SKILL.md"
        if destination in plan:
            raise InvalidInputError(f"two skills named {source.stem}", field="rules")
        plan[destination] = source
    written: list[Path] = []
    for destination, source in plan.items():
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, destination)
        written.append(destination)
    return written
