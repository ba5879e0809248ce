"""The vocabulary every layer shares: lane kinds and categories, record specs, typed fields."""
