"""Parsers and analyzers for SPF (RFC 7208), DMARC (RFC 9989) and DKIM keys (RFC 6376)."""
