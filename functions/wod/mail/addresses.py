"""The recipient as SES can deliver it: 7-bit ASCII only (SES has no SMTPUTF8).

Called by `messages.build_message` for every mail. Registration already stores addresses in
this form; this is the mail path's own guard, for whatever else reaches it. `redact` keeps
addresses out of error texts and logs (they are personal data).
"""

from __future__ import annotations

import re

from email_validator import EmailNotValidError, validate_email

# Anything shaped like an address, Unicode included: what `redact` takes out of a text.
ADDRESS = re.compile(r"[^\s@\"'<>(),;:]+@[^\s@\"'<>(),;:]+\.[^\s@\"'<>(),;:]+")


class UndeliverableAddressError(ValueError):
    """No mail can carry this address through SES (a non-ASCII part before the @)."""


def sendable(address: str) -> str:
    """The address with a Unicode domain as Punycode (IDNA); UndeliverableAddressError if the
    part before the @ is not ASCII. Never an RFC 2047 encoded-word, which SES refuses in `To:`."""
    try:
        checked = validate_email(address, check_deliverability=False, allow_smtputf8=False)
    except EmailNotValidError as exc:
        raise UndeliverableAddressError("the address cannot be sent to through SES") from exc
    ascii_email = checked.ascii_email
    if ascii_email is None or not ascii_email.isascii():
        raise UndeliverableAddressError("the address needs SMTPUTF8")
    return ascii_email


def redact(text: str) -> str:
    """The text with every address replaced by `<address>` (for errors and logs)."""
    return ADDRESS.sub("<address>", text)
