"""SMTP pre-flight checks: session, certificates, reports, passwords."""
