"""The durable job queue: enqueue, claim under a lease, heartbeat, finish, cancel."""
