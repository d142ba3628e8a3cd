"""The badge a finished session earns: a branded SVG per workshop, and who may show it.

Pure: the API serves the SVG and the badge record; the site's badge page shows them.
"""

from __future__ import annotations

import textwrap

from .registrations import EndReason, Registration
from .states import State

# A session counts as finished, and earns its badge, when it ran to its end or was ended by the
# participant or the organizer; one that never got going (stuck, failed, cancelled) earns none,
# and an erased one shows none (its holder asked for their data to go).
EARNING_REASONS = frozenset({EndReason.EXPIRED, EndReason.ENDED_EARLY, EndReason.BY_ORGANIZER})


def earned(registration: Registration) -> bool:
    return (
        registration.state is State.ENDED
        and registration.end_reason in EARNING_REASONS
        and not registration.erased
    )


def badge_lines(title: str) -> list[str]:
    """The title wrapped on at most three lines that fit the badge."""
    return textwrap.wrap(title, width=16)[:3] or [title[:16]]
