"""The platform: every service between the API (and CLI) and the stack layer, in
subpackages named for their jobs (core, db, accounts, sessions, queue, pipeline, agent,
verification, sites, ops)."""
