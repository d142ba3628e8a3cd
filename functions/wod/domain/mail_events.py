"""Which addresses an SES notification (bounce, complaint) tells us never to mail again.

Pure: parses both SES event publishing (`eventType`) and identity notifications
(`notificationType`). Transient bounces (mailbox full, …) suppress nothing.
"""

from __future__ import annotations

from typing import Any


def addresses_to_suppress(message: dict[str, Any]) -> list[str]:
    kind = message.get("eventType") or message.get("notificationType")
    if kind == "Bounce":
        bounce = message.get("bounce", {})
        if bounce.get("bounceType") != "Permanent":
            return []
        recipients = bounce.get("bouncedRecipients", [])
    elif kind == "Complaint":
        recipients = message.get("complaint", {}).get("complainedRecipients", [])
    else:
        return []
    return sorted(
        {str(r["emailAddress"]).strip().lower() for r in recipients if r.get("emailAddress")}
    )
