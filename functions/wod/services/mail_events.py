"""SES bounce and complaint notifications put addresses on the suppression list."""

from __future__ import annotations

from typing import Any

from wod.domain.mail_events import addresses_to_suppress

from .ports import Suppressions


class MailEvents:
    def __init__(self, suppressions: Suppressions) -> None:
        self._suppressions = suppressions

    def handle(self, message: dict[str, Any]) -> int:
        """Suppress every address the notification names for good; how many."""
        reason = str(message.get("eventType") or message.get("notificationType", ""))
        addresses = addresses_to_suppress(message)
        for address in addresses:
            self._suppressions.suppress(address, reason)
        return len(addresses)
