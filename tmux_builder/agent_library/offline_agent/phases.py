"""What the offline agent does for each phase of the pipeline."""

from __future__ import annotations

from collections.abc import Callable

from tmux_builder.agent_library.offline_agent.parsing import parse_requirements
from tmux_builder.agent_library.offline_agent.protocol import PhaseError, Prompt, Workspace
from tmux_builder.agent_library.offline_agent.refine import apply_refinement
from tmux_builder.agent_library.offline_agent.render import (
    planned_tests,
    write_plan,
    write_site,
    write_tests,
)
from tmux_builder.agent_library.offline_agent.spec import SiteSpec, load_spec, save_spec

UNDERSTOOD = (
    "change the title to X; change the tagline to X; make the theme <colour>; add/remove a "
    "<section> section; add X to / remove X from the <list>; N photos in the gallery"
)


def _setting(workspace: Workspace, prompt: Prompt, key: str, header: str) -> str:
    value = workspace.config().get(key) or prompt.headers.get(header)
    if not isinstance(value, str) or not value:
        raise PhaseError(f"{key} is missing from deployment/config.json")
    return value


def _requirements(workspace: Workspace, prompt: Prompt) -> str:
    text = prompt.user_blocks[0] if prompt.user_blocks else workspace.config().get("requirements")
    if not isinstance(text, str) or not text.strip():
        raise PhaseError("no requirements in the prompt or in deployment/config.json")
    return text.strip()


def _fresh_spec(workspace: Workspace, prompt: Prompt, requirements: str) -> SiteSpec:
    return parse_requirements(
        requirements,
        site_type=_setting(workspace, prompt, "site_type", "SITE_TYPE"),
        host_provider=_setting(workspace, prompt, "host_provider", "HOST_PROVIDER"),
    )


def _current_spec(workspace: Workspace, prompt: Prompt, requirements: str | None) -> SiteSpec:
    """The stored spec, unless the requirements it came from are not the ones given now."""
    stored = load_spec(workspace.spec_file)
    if stored is not None and (requirements is None or stored.requirements == requirements):
        return stored
    if requirements is None:
        requirements = _requirements(workspace, prompt)
    return _fresh_spec(workspace, prompt, requirements)


def _build(workspace: Workspace, spec: SiteSpec) -> list[str]:
    files = write_site(spec, workspace.source)
    write_tests(spec, workspace.tests_file)
    save_spec(spec, workspace.spec_file)
    return [f"built a {spec.runtime} site {spec.title!r} ({len(files)} files in source/)",
            f"wrote deployment/tests/e2e_test.py ({len(planned_tests(spec))} checks)"]


def create_plan(workspace: Workspace, prompt: Prompt) -> list[str]:
    spec = _fresh_spec(workspace, prompt, _requirements(workspace, prompt))
    save_spec(spec, workspace.spec_file)
    write_plan(spec, workspace.output("plan.md"))
    sections = ", ".join(s.id for s in spec.sections)
    return [f"wrote output/plan.md for {spec.title!r}: sections {sections}, theme {spec.colour}"]


def generate_code(workspace: Workspace, prompt: Prompt) -> list[str]:
    spec = _current_spec(workspace, prompt, _requirements(workspace, prompt))
    if not workspace.output("plan.md").is_file():
        write_plan(spec, workspace.output("plan.md"))
    return _build(workspace, spec)


def refine(workspace: Workspace, prompt: Prompt) -> list[str]:
    if not prompt.user_blocks or not prompt.user_blocks[0].strip():
        raise PhaseError("the refinement prompt has no user message")
    message = prompt.user_blocks[0]
    spec = _current_spec(workspace, prompt, None)
    changes = apply_refinement(spec, message)
    notes = workspace.output("refinement.md")
    notes.parent.mkdir(parents=True, exist_ok=True)
    if not changes:
        notes.write_text(f"# Refinement not understood\n\nMessage: {message}\n\n"
                         f"This template-based agent understands: {UNDERSTOOD}.\n",
                         encoding="utf-8")
        raise PhaseError(f"no change recognised in the message; the template-based offline "
                         f"agent understands: {UNDERSTOOD}")
    notes.write_text(f"# Refinement (revision {spec.revision})\n\nMessage: {message}\n\n"
                     + "".join(f"- {change}\n" for change in changes), encoding="utf-8")
    write_plan(spec, workspace.output("plan.md"))
    return [*(f"refined: {c}" for c in changes), *_build(workspace, spec)]


def debug(workspace: Workspace, prompt: Prompt) -> list[str]:
    failed = prompt.headers.get("FAILED_PHASE", "unknown")
    error = prompt.user_blocks[0] if prompt.user_blocks else "(no error text)"
    logs = prompt.user_blocks[1] if len(prompt.user_blocks) > 1 else "(no log excerpt)"
    spec = _current_spec(workspace, prompt, None)
    before = sorted(str(p.relative_to(workspace.source)) for p in workspace.source.rglob("*")
                    if p.is_file()) if workspace.source.is_dir() else []
    lines = _build(workspace, spec)
    report = (
        f"# Debug report\n\nWritten by the template-based offline agent (not an AI): it cannot "
        f"reason about the error, so it re-generated the site and tests from "
        f"state/site_spec.json.\n\n## Failed phase\n{failed}\n\n## Error\n```\n{error[:4000]}\n"
        f"```\n\n## Log excerpt\n```\n{logs[:4000]}\n```\n\n## Files in source/ before\n"
        + ("".join(f"- {name}\n" for name in before) or "- (none)\n")
        + "\n## Action\n" + "".join(f"- {line}\n" for line in lines)
    )
    workspace.output("debug.md").write_text(report, encoding="utf-8")
    return ["wrote output/debug.md", *lines]


PHASES: dict[str, Callable[[Workspace, Prompt], list[str]]] = {
    "create_plan": create_plan,
    "generate_code": generate_code,
    "refine": refine,
    "debug": debug,
}
