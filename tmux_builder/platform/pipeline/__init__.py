"""The 9-step pipeline: a runner over a registry of step modules (``steps/``), the
bookkeeping of step records and progress, the cancel watch, and chat refinements."""
