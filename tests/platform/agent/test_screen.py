"""Reading Claude Code's screen: texts as 2.1.197 draws them in a 200x50 pane."""

from __future__ import annotations

from tmux_builder.platform.agent.screen import (
    CLAUDE_BUSY,
    CLAUDE_READY,
    CLAUDE_UNSENT,
    PROMPT_MARK,
    find_api_error,
    find_dialog,
    idle_signature,
)


def screen(text: str) -> str:
    """A screen as drawn: ``{M}`` stands for Claude Code's prompt mark (U+276F)."""
    return text.replace("{M}", PROMPT_MARK)


PROMPT = screen("──────────\n{M}\u00a0\n──────────\n"
                "  ⏵⏵ bypass permissions on (shift+tab to cycle)")
TRUST = screen(""" Accessing workspace:
 /srv/ws
 Quick safety check: Is this a project you created or one you trust? (Like your own code
 {M} 1. Yes, I trust this folder
   2. No, exit
 Enter to confirm · Esc to cancel""")
API_KEY = screen("""  Detected a custom API key in your environment
  ANTHROPIC_API_KEY: sk-ant-...tok-123
  Do you want to use this API key?
    1. Yes
  {M} 2. No (recommended)""")
OVERLOADED = screen("{M} Read and execute the prompt in prompts/current.txt\n"
                    "● API Error: 529 Overloaded. This is a server-side issue, usually "
                    "temporary — try again in a moment.")


def test_the_empty_prompt_is_ready_and_a_dialog_choice_is_not() -> None:
    assert CLAUDE_READY.search(PROMPT)
    assert not CLAUDE_READY.search(TRUST) and not CLAUDE_READY.search(API_KEY)
    assert CLAUDE_BUSY.search("⏵⏵ accept edits on · esc to interrupt · ← for agents")


def test_an_instruction_left_in_the_input_box_is_seen() -> None:
    typed = screen("╰────╯\n──────────\n{M}\u00a0Read and execute the prompt in "
                   "prompts/current.txt\n──────────\n  ⏵⏵ bypass permissions on")
    sent = screen("╰────╯\n{M} Read and execute the prompt in prompts/current.txt\n"
                  "  Read 1 file\n") + PROMPT
    assert CLAUDE_UNSENT.search(typed) and not CLAUDE_UNSENT.search(sent)


def test_known_dialogs_are_named() -> None:
    dialog = find_dialog(TRUST)
    assert dialog is not None and dialog.reason == "dialog: the trust-this-folder dialog"
    key = find_dialog(API_KEY)
    assert key is not None and key.name == "the custom API key dialog"
    assert find_dialog(PROMPT) is None


def test_api_error_banners_are_named_but_retries_are_not() -> None:
    error = find_api_error(OVERLOADED)
    assert error is not None and error.reason == "api error: API Error 529 Overloaded"
    assert find_api_error("  ⎿ API Error (529 Overloaded) · Retrying in 2 seconds…") is None
    assert find_api_error(PROMPT) is None


def test_the_spinner_and_its_clock_do_not_count_as_activity() -> None:
    early = screen("{M} go\n· Discombobulating…\n") + PROMPT
    later = screen("{M} go\n✻ Pondering… (12s · esc to interrupt)\n") + PROMPT
    assert idle_signature(early) == idle_signature(later.replace("(12s · esc to interrupt)", ""))
    tokens = screen("{M} go\n✻ Pondering… (14s · ↓ 1.3k tokens · esc to interrupt)\n") + PROMPT
    more = screen("{M} go\n✢ Pondering… (15s · ↓ 1.9k tokens · esc to interrupt)\n") + PROMPT
    assert idle_signature(tokens) != idle_signature(more), "a growing answer is activity"
    assert idle_signature(tokens) == idle_signature(tokens.replace("14s", "40s"))
