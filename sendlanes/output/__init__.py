"""Output formats: JSON, SARIF, tables and progress lines."""
