"""Cost reporting: a versioned price table, per-resource estimates from stack exports,
reports grouped by the standard tags, charts, and actual-cost adapters."""
