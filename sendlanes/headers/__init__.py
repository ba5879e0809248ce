"""Which lane sent a message, and whether it was aligned and signed."""
