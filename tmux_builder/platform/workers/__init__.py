"""The workers: claim a job from the queue, run its handler (one per ``JobKind``), record
how it ended; a pool of them per ``tmux-builder worker`` or ``serve`` process."""
