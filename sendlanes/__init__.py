"""sendlanes: email sending lanes as code.

The core package is pure Python: it never imports pulumi or pulumi_cloudflare, so the
command line starts fast and needs no cloud account.
"""

__version__ = "0.1.0"
