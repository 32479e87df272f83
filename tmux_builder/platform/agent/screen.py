"""Reading an agent's screen: is its prompt drawn, is it busy, is it stuck at a dialog or an
API error banner, and a signature of the screen that ignores the spinner (for idle checks).

The texts are those Claude Code 2.1.197 draws (seen in a pane, 200x50); a version bump that
rewords one shows up in the claude-profile tests."""

from __future__ import annotations

import re
from dataclasses import dataclass

# Claude Code's input line: U+276F then a no-break space, empty while nothing is typed. A
# dialog's choice line (U+276F "1. Yes, I trust this folder") does not match.
PROMPT_MARK = "\u276f"
CLAUDE_READY = re.compile(rf"^{PROMPT_MARK}[\s\u00a0]*$", re.MULTILINE)
CLAUDE_BUSY = re.compile(r"esc to interrupt")
# The instruction still sitting in the input box (between its two rules): the Enter was lost.
CLAUDE_UNSENT = re.compile(
    rf"^─+\n{PROMPT_MARK}[\s\u00a0]*Read and execute the prompt in \S+\s*\n─", re.MULTILINE)
OFFLINE_READY = re.compile(r"offline-agent>\s*$")

KNOWN_DIALOGS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"Detected a custom API key"), "the custom API key dialog"),
    (re.compile(r"Is this a project you created or one you trust|Do you trust the files"),
     "the trust-this-folder dialog"),
    (re.compile(r"Press Enter to continue|Choose the text style|Select login method"),
     "the first-run onboarding screen"),
    (re.compile(r"Bypass Permissions mode"), "the bypass-permissions confirmation"),
    (re.compile(r"Do you want to (?:proceed|make this edit|create|allow)"),
     "a permission prompt"),
    (re.compile(r"cannot be used with root/sudo privileges"), "the refusal to bypass as root"),
    (re.compile(r"Invalid API key|Please run /login|OAuth token has expired"),
     "an authentication error"),
)
API_ERROR = re.compile(r"API Error:?\s*([^\n]{0,80})")
_ACTIVITY = re.compile(r"^(\s*)\S\s+[^\s…]+…(.*)$")
_TIMER = re.compile(r"\b(?:\d+h\s*)?(?:\d+m\s*)?\d+s\b")


@dataclass(frozen=True)
class Blocker:
    """Why the agent cannot go on by itself: a dialog or an API error on its screen."""

    kind: str  # "dialog" or "api error"
    name: str

    @property
    def reason(self) -> str:
        return f"{self.kind}: {self.name}"


def find_dialog(screen: str) -> Blocker | None:
    for pattern, name in KNOWN_DIALOGS:
        if pattern.search(screen):
            return Blocker("dialog", name)
    return None


def find_api_error(screen: str) -> Blocker | None:
    """The banner Claude Code draws when it gave up on a request (not while it retries)."""
    for line in screen.splitlines():
        match = API_ERROR.search(line)
        if match and "Retrying" not in line:
            detail = re.split(r"\.\s", match.group(1).strip(), maxsplit=1)[0].rstrip(".")
            return Blocker("api error", f"API Error {detail}".strip())
    return None


def idle_signature(screen: str) -> str:
    """The screen without what changes while nothing happens: the spinner glyph, its verb and
    the elapsed time (a token count that grows still counts as activity)."""
    lines = []
    for line in screen.splitlines():
        match = _ACTIVITY.match(line)
        if match:
            line = f"{match.group(1)}<activity>{_TIMER.sub('', match.group(2))}"
        lines.append(line.rstrip())
    return "\n".join(lines).rstrip()
