"""The badge a finished session earns: a branded SVG per workshop, and who may show it.

Pure: the API serves the SVG and the badge record; the site's badge page shows them.
"""

from __future__ import annotations

import textwrap
from html import escape

from wod_contracts.branding import Branding

from .registrations import EndReason, Registration
from .states import State

# A session counts as finished, and earns its badge, when it ran to its end or was ended by the
# participant; one that never got going (stuck, failed, cancelled) earns none.
EARNING_REASONS = frozenset({EndReason.EXPIRED, EndReason.ENDED_EARLY})


def earned(registration: Registration) -> bool:
    return registration.state is State.ENDED and registration.end_reason in EARNING_REASONS


def badge_svg(title: str, branding: Branding) -> str:
    """A round, branded badge with the workshop's title (escaped; wrapped on three lines)."""
    lines = textwrap.wrap(title, width=16)[:3] or [title[:16]]
    first_y = 150 - (len(lines) - 1) * 14
    text = "\n".join(
        f'<text x="150" y="{first_y + 28 * i}" font-size="24" font-weight="bold" '
        f'text-anchor="middle" fill="#ffffff">{escape(line)}</text>'
        for i, line in enumerate(lines)
    )
    colors = branding.colors
    return f"""<svg xmlns="http://www.w3.org/2000/svg" width="300" height="300" viewBox="0 0 300 300" role="img" aria-label="{escape(title)} badge">
<circle cx="150" cy="150" r="146" fill="{colors.primary}" stroke="{colors.accent}" stroke-width="8"/>
<circle cx="150" cy="150" r="122" fill="none" stroke="#ffffff" stroke-opacity="0.6" stroke-width="2"/>
<text x="150" y="78" font-size="15" text-anchor="middle" fill="#ffffff" font-family="Arial, sans-serif">{escape(branding.product_name)}</text>
<g font-family="Arial, sans-serif">
{text}
</g>
<text x="150" y="236" font-size="14" text-anchor="middle" fill="#ffffff" font-family="Arial, sans-serif">{escape(branding.name)}</text>
</svg>
"""
