"""Who a mail address belongs to, for the rule "one person, one seat": the canonical form that
the duplicate guard compares, and the per-domain share of a workshop. Pure; called by the
registration service (and the limits, which count per person too).

The canonical form is only ever a key: mail still goes to the address as it was typed.
"""

from __future__ import annotations

from collections.abc import Iterable

# Providers that deliver `a.b.c@` to `abc@` (and treat their two names as one mailbox).
DOTS_IGNORED = {"gmail.com": "gmail.com", "googlemail.com": "gmail.com"}


def canonical_address(email: str) -> str:
    """Lower-case, without a `+tag` (every domain), without dots in the part before the @ for
    the providers that ignore them. Idempotent; a part that would end up empty is kept."""
    local, at, domain = email.strip().lower().rpartition("@")
    if not at:
        return email.strip().lower()
    untagged = local.split("+", 1)[0]
    local = untagged or local
    if domain in DOTS_IGNORED:
        domain = DOTS_IGNORED[domain]
        local = local.replace(".", "") or local
    return f"{local}@{domain}"


def domain_of(email: str) -> str:
    return email.rpartition("@")[2].lower()


def domain_cap(email: str, cap: int, exempt: Iterable[str]) -> int | None:
    """How many seats of one workshop the address's domain may hold; None for no limit (the cap
    is off, or the domain or one of its parents is exempt, e.g. an organizer's partner)."""
    if cap <= 0:
        return None
    domain = domain_of(email)
    for allowed in exempt:
        allowed = allowed.strip().lower().lstrip("*.").rstrip(".")
        if allowed and (domain == allowed or domain.endswith("." + allowed)):
            return None
    return cap
