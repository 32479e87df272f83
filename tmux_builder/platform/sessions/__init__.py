"""Sessions: creating them, the requests made on them (chat, redeploy, cancel, extend,
teardown) and what a client reads of them (status, progress events, listings)."""
