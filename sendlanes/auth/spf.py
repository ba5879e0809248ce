"""SPF (RFC 7208): parse records, evaluate check_host(), analyze a domain's record.

The public face of the SPF modules; import from here::

    from sendlanes.auth.spf import analyze_spf, check_host, parse_spf_record

* :func:`parse_spf_record` (pure) turns text into an :class:`SpfRecord` or raises
  :class:`SpfSyntaxError` naming every bad term and the RFC section;
  :func:`count_lookup_terms` counts one record's DNS-querying terms without DNS.
* :func:`check_host` evaluates a message's client IP the way a receiver does (§4–§7).
* :func:`analyze_spf` is the static verdict on a domain's record (never raises): status,
  lookup and void-lookup counts, error and warnings. See docs/spf.md.

DNS comes only through :class:`sendlanes.dns.resolver.DnsLookup`.
"""

from sendlanes.auth.spf_analysis import SpfAnalysis, SpfStatus, analyze_spf
from sendlanes.auth.spf_check import (
    MAX_LOOKUPS,
    MAX_VOID_LOOKUPS,
    SpfResult,
    SpfResultCode,
    check_host,
    client_address,
)
from sendlanes.auth.spf_macro import MacroExpand, MacroString, MacroSyntaxError
from sendlanes.auth.spf_record import (
    Mechanism,
    MechanismKind,
    Modifier,
    Qualifier,
    SpfRecord,
    SpfSyntaxError,
    SpfTerm,
    SyntaxProblem,
    count_lookup_terms,
    is_spf_record,
    parse_spf_record,
)

__all__ = [
    "MAX_LOOKUPS",
    "MAX_VOID_LOOKUPS",
    "MacroExpand",
    "MacroString",
    "MacroSyntaxError",
    "Mechanism",
    "MechanismKind",
    "Modifier",
    "Qualifier",
    "SpfAnalysis",
    "SpfRecord",
    "SpfResult",
    "SpfResultCode",
    "SpfStatus",
    "SpfSyntaxError",
    "SpfTerm",
    "SyntaxProblem",
    "analyze_spf",
    "check_host",
    "client_address",
    "count_lookup_terms",
    "is_spf_record",
    "parse_spf_record",
]
