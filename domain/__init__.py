"""The tsunagu domain model: aggregates, events, values and rules (pure Python)."""
