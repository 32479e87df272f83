"""The built-in offline agent: template-based (no AI), same file protocol as Claude Code.

Run it with `python -m tmux_builder.agent_library.offline_agent` inside a session workspace.
"""

from tmux_builder.agent_library.offline_agent.protocol import INSTRUCTION, parse_prompt
from tmux_builder.agent_library.offline_agent.repl import run_instruction

__all__ = ["INSTRUCTION", "parse_prompt", "run_instruction"]
