"""The plan: config turned into brands, lanes, records, SMTP settings and resource names."""
