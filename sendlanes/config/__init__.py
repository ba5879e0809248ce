"""Stack configuration: the schema, loading with file:line positions, cross-object checks."""
