"""The DNS wire codec against hostile and malformed messages."""
