"""The agents run in tmux: Claude Code (installed pinned), the offline agent, their profiles,
the screen they draw and the launcher that starts them sandboxed."""
