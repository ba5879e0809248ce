"""The checks of ``sendlanes headers``: DKIM, DMARC alignment, one-click unsubscribe, category.

Each function returns :class:`Check` values (``pass``, ``fail``, ``warn``, ``error`` for no
verdict, ``skip`` when it does not apply) and never raises on message content.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sendlanes.auth.dmarc import AlignmentMode, is_aligned
from sendlanes.dns.resolver import DnsError
from sendlanes.headers.message import DkimResult, DkimVerdict, MessageFacts
from sendlanes.lanes.catalog import Catalog, LaneKind
from sendlanes.plan.model import LanePlan

ONE_CLICK_VALUE = "List-Unsubscribe=One-Click"  # RFC 8058 §3.1
ONE_CLICK_KINDS = (LaneKind.PROMOTIONAL, LaneKind.LIFECYCLE)


class CheckStatus(enum.StrEnum):
    PASS = "pass"
    FAIL = "fail"
    WARN = "warn"
    ERROR = "error"  # no verdict: a DNS failure
    SKIP = "skip"  # does not apply, or lacks what it needs


@dataclass(frozen=True)
class Check:
    check: str
    status: CheckStatus
    detail: str

    def to_json(self) -> dict[str, str]:
        return {"check": self.check, "status": str(self.status), "detail": self.detail}


# -- DKIM and DMARC --------------------------------------------------------------------------


def dkim_checks(verdicts: Sequence[DkimVerdict]) -> list[Check]:
    """One ``dkim`` check per signature (RFC 6376 §6), or a failure when there is none."""
    if not verdicts:
        return [Check("dkim", CheckStatus.FAIL, "no DKIM-Signature header field")]
    status = {
        DkimResult.PASS: CheckStatus.PASS,
        DkimResult.FAIL: CheckStatus.FAIL,
        DkimResult.PERMERROR: CheckStatus.FAIL,
        DkimResult.TEMPERROR: CheckStatus.ERROR,
    }
    checked = [v for v in verdicts if v.result is not DkimResult.NOT_CHECKED]
    checks = [
        Check(
            "dkim",
            status[v.result],
            f"d={v.signature.domain} s={v.signature.selector}: {v.result}: {v.detail}",
        )
        for v in checked
    ]
    skipped = len(verdicts) - len(checked)
    if skipped:
        checks.append(
            Check(
                "dkim",
                CheckStatus.WARN,
                f"{skipped} more signature(s) not checked: only the first {len(checked)} "
                "are verified",
            )
        )
    return checks


_NO_VERDICT = (DkimResult.TEMPERROR, DkimResult.NOT_CHECKED)

_MODE_WORD = {AlignmentMode.RELAXED: "relaxed", AlignmentMode.STRICT: "strict"}


def alignment_checks(
    facts: MessageFacts,
    verdicts: Sequence[DkimVerdict],
    lane: LanePlan | None,
    org_domain: Callable[[str], str],
) -> list[Check]:
    """``dkim-alignment``, ``spf-alignment`` and the ``dmarc`` verdict (RFC 9989 §4.4).

    SPF itself needs the connecting IP, which a stored message does not carry reliably; the
    SPF check is on alignment of the Return-Path domain only, assuming SPF passes there.
    """
    from_domain = facts.from_domain
    if from_domain is None:
        count = len(facts.from_addresses)
        return [
            Check(
                "dmarc",
                CheckStatus.FAIL,
                f"the message has {count} From addresses; DMARC needs exactly one "
                "author domain (RFC 9989 §4.4.1)",
            )
        ]
    adkim = AlignmentMode(lane.dmarc.adkim if lane else "r")
    aspf = AlignmentMode(lane.dmarc.aspf if lane else "r")
    whose = f"lane {lane.key}" if lane else "no lane identified, default"
    try:
        dkim_aligned = [
            v.signature.domain
            for v in verdicts
            if v.verified and is_aligned(v.signature.domain, from_domain, adkim, org_domain)
        ]
        spf_domain = facts.spf_domain
        spf_aligned = spf_domain is not None and is_aligned(
            spf_domain, from_domain, aspf, org_domain
        )
    except DnsError as error:
        return [Check("dmarc", CheckStatus.ERROR, f"organizational domain look-up: {error}")]
    except ValueError as error:  # a d= or Return-Path domain that is not a domain name
        return [Check("dmarc", CheckStatus.FAIL, f"cannot evaluate alignment: {error}")]
    checks = []
    verified = [v.signature.domain for v in verdicts if v.verified]
    if dkim_aligned:
        checks.append(
            Check(
                "dkim-alignment",
                CheckStatus.PASS,
                f"d={dkim_aligned[0]} aligns with From {from_domain} "
                f"(adkim={adkim}, {_MODE_WORD[adkim]}; {whose})",
            )
        )
    else:
        had = ", ".join(f"d={d}" for d in verified) or "no verified signature"
        checks.append(
            Check(
                "dkim-alignment",
                CheckStatus.WARN,
                f"{had}: none aligns with From {from_domain} "
                f"(adkim={adkim}, {_MODE_WORD[adkim]}; {whose})",
            )
        )
    if spf_domain is None:
        checks.append(
            Check("spf-alignment", CheckStatus.SKIP, "no Return-Path: the SPF domain is unknown")
        )
    else:
        checks.append(
            Check(
                "spf-alignment",
                CheckStatus.PASS if spf_aligned else CheckStatus.WARN,
                f"SPF domain {spf_domain} {'aligns' if spf_aligned else 'does not align'} "
                f"with From {from_domain} (aspf={aspf}, {_MODE_WORD[aspf]}; {whose})",
            )
        )
    # A signature past the cap might have been the aligned one: no verdict, never a fail.
    unknown = [v for v in verdicts if v.result in _NO_VERDICT]
    if dkim_aligned:
        checks.append(Check("dmarc", CheckStatus.PASS, "aligned DKIM signature passes"))
    elif unknown and not spf_aligned:
        checks.append(
            Check(
                "dmarc",
                CheckStatus.ERROR,
                f"no verdict: the signature of d={unknown[0].signature.domain} was not "
                f"verified ({unknown[0].detail})",
            )
        )
    elif spf_aligned:
        checks.append(
            Check(
                "dmarc",
                CheckStatus.WARN,
                "aligned through SPF only: passes only if SPF passes for the sending IP, and "
                "breaks when the message is forwarded; sign with a d= aligned to From",
            )
        )
    else:
        checks.append(
            Check(
                "dmarc",
                CheckStatus.FAIL,
                f"neither a verified DKIM d= nor the SPF domain aligns with From {from_domain}",
            )
        )
    return checks


# -- one-click unsubscribe and category ------------------------------------------------------


def one_click_check(
    facts: MessageFacts, verdicts: Sequence[DkimVerdict], lane: LanePlan | None
) -> Check:
    """RFC 8058: an HTTPS List-Unsubscribe URI, the One-Click POST field, both DKIM-signed."""
    if lane is None:
        return Check("one-click-unsubscribe", CheckStatus.SKIP, "no lane identified")
    if lane.kind not in ONE_CLICK_KINDS and not lane.one_click_unsubscribe:
        return Check(
            "one-click-unsubscribe", CheckStatus.SKIP, f"not required on a {lane.kind} lane"
        )
    problems = []
    unsubscribe = facts.list_unsubscribe
    if unsubscribe is None:
        problems.append("no List-Unsubscribe header field")
    elif "<https://" not in unsubscribe.lower():
        problems.append("List-Unsubscribe has no <https://…> URI (RFC 8058 §3.1)")
    post = facts.list_unsubscribe_post
    if post is None:
        problems.append(f"no List-Unsubscribe-Post: {ONE_CLICK_VALUE} header field")
    elif post.strip() != ONE_CLICK_VALUE:
        problems.append(f"List-Unsubscribe-Post is {post!r}, not {ONE_CLICK_VALUE!r}")
    signed = [
        v
        for v in verdicts
        if v.verified
        and v.signature.signs("list-unsubscribe")
        and v.signature.signs("list-unsubscribe-post")
    ]
    if not problems and not signed:
        if any(v.result in _NO_VERDICT for v in verdicts):
            return Check(
                "one-click-unsubscribe",
                CheckStatus.ERROR,
                "no verdict: a DKIM signature was not verified, so the signing of "
                "List-Unsubscribe is unknown (RFC 8058 §4)",
            )
        problems.append(
            "no verified DKIM signature covers both List-Unsubscribe and "
            "List-Unsubscribe-Post (RFC 8058 §4)"
        )
    if problems:
        return Check(
            "one-click-unsubscribe",
            CheckStatus.FAIL,
            f"{lane.kind} lane {lane.key} needs one-click unsubscribe: " + "; ".join(problems),
        )
    return Check(
        "one-click-unsubscribe",
        CheckStatus.PASS,
        f"HTTPS List-Unsubscribe and One-Click POST, signed by d={signed[0].signature.domain}",
    )


def category_check(
    facts: MessageFacts, lane: LanePlan | None, catalog: Catalog, header: str
) -> Check:
    """Does the message's category (from *header*) belong on the kind of lane it used?"""
    category = facts.category
    if lane is None:
        return Check("category", CheckStatus.SKIP, "no lane identified")
    if not category:
        return Check(
            "category",
            CheckStatus.WARN,
            f"no {header} header field: cannot tell whether a {lane.kind} lane suits it",
        )
    intent = catalog.intent_of(category)
    if intent is None:
        return Check(
            "category",
            CheckStatus.WARN,
            f"{header}: {category} is not a known category (built-in or sendlanes:categories)",
        )
    if intent != lane.kind:
        return Check(
            "category",
            CheckStatus.FAIL,
            f"a {intent} message ({header}: {category}) left through {lane.key}, a "
            f"{lane.kind} lane: it shares that lane's reputation; route {category} to a "
            f"{intent} lane",
        )
    if lane.categories and category not in lane.categories:
        return Check(
            "category",
            CheckStatus.WARN,
            f"{category} is {intent} like {lane.key}, but not among its categories "
            f"({', '.join(lane.categories)})",
        )
    return Check("category", CheckStatus.PASS, f"{category} is {intent}, as {lane.key} is")
