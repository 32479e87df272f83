"""Agents, skills, injection rules, prompt templates and the offline agent (SPEC section 7).

Imports nothing of ours except `tmux_builder.errors`.
"""

from tmux_builder.agent_library.library import (
    inject_session_library,
    library_root,
    load_rules,
    rule_files,
)
from tmux_builder.agent_library.prompts import (
    BEGIN_USER_TEXT,
    END_USER_TEXT,
    PROMPT_TEMPLATES,
    render_prompt,
    session_claude_md,
)

__all__ = [
    "BEGIN_USER_TEXT",
    "END_USER_TEXT",
    "PROMPT_TEMPLATES",
    "inject_session_library",
    "library_root",
    "load_rules",
    "render_prompt",
    "rule_files",
    "session_claude_md",
]
