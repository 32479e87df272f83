"""The durable job queue, the job handlers (one per ``JobKind``) and the workers."""
