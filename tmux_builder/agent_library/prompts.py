"""Prompt templates (Jinja2, StrictUndefined) and the session's CLAUDE.md."""

from __future__ import annotations

import re
from functools import cache

import jinja2
from jinja2 import meta

from tmux_builder.agent_library.library import library_root
from tmux_builder.errors import InvalidInputError

BEGIN_USER_TEXT = "--- BEGIN USER TEXT ---"
END_USER_TEXT = "--- END USER TEXT ---"
PROMPT_TEMPLATES = ("autonomous_agent", "refinement_mode", "debug_mode")
AUTONOMOUS_PHASES = ("create_plan", "generate_code")
CLAUDE_MD_TEMPLATE = "session_claude"


@cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(library_root() / "templates"),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        autoescape=False,
    )


def _neutralize(value: str) -> str:
    """User text may not close (or open) its own block."""
    return value.replace(BEGIN_USER_TEXT, "[user text marker removed]").replace(
        END_USER_TEXT, "[user text marker removed]"
    )


def required_variables(template: str) -> set[str]:
    environment = _environment()
    if environment.loader is None:
        raise RuntimeError("the prompt templates have no loader")
    source, _, _ = environment.loader.get_source(environment, f"{template}.md.j2")
    return set(meta.find_undeclared_variables(environment.parse(source)))


def _render(template: str, variables: dict[str, str]) -> str:
    missing = sorted(required_variables(template) - variables.keys())
    if missing:
        name = missing[0]
        raise InvalidInputError(f"missing template variable {name}", field=name)
    for name, value in variables.items():
        if not isinstance(value, str):
            raise InvalidInputError(f"template variable {name} must be text", field=name)
    clean = {name: _neutralize(value) for name, value in variables.items()}
    try:
        return _environment().get_template(f"{template}.md.j2").render(**clean)
    except jinja2.UndefinedError as exc:
        found = re.search(r"'(\w+)' is undefined", exc.message or "")
        name = found.group(1) if found else "unknown"
        raise InvalidInputError(f"missing template variable {name}", field=name) from exc


def render_prompt(template: str, **variables: str) -> str:
    """Render `autonomous_agent`, `refinement_mode` or `debug_mode` with its variables."""
    if template not in PROMPT_TEMPLATES:
        raise InvalidInputError(
            f"unknown prompt template {template!r}; expected one of {', '.join(PROMPT_TEMPLATES)}",
            field="template",
        )
    if template == "autonomous_agent" and variables.get("phase", AUTONOMOUS_PHASES[0]) not in (
        AUTONOMOUS_PHASES
    ):
        raise InvalidInputError(
            f"phase must be one of {', '.join(AUTONOMOUS_PHASES)}", field="phase"
        )
    return _render(template, variables)


def session_claude_md(*, provider: str, site_type: str, session_id: str, stack_name: str) -> str:
    """The session's `.claude/CLAUDE.md`: the file protocol and the no-hand-deploy rule."""
    return _render(
        CLAUDE_MD_TEMPLATE,
        {
            "provider": provider,
            "site_type": site_type,
            "session_id": session_id,
            "stack_name": stack_name,
        },
    )
