"""Customer.io: the hand-off (routing, message types) and the egress allowlist."""
