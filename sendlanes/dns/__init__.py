"""The stub resolver behind verify, spf and headers: wire codec, exchange, answers."""
