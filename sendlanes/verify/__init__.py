"""Live verification of published lanes: check model, checks, and the runner on top."""
