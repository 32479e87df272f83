"""Domain core: settings, ids, deployments, the site server, diagnostics (and, later, users,
sessions, the pipeline and workers)."""
