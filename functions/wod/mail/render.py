"""Renders a mail of a given kind from its templates and the branding.

Pure: called by the services, which hand the result to the mail adapter. Participant input only
ever reaches the bodies (escaped in HTML); subjects are built from catalog data only.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from wod.domain.badges import badge_lines
from wod_contracts.branding import Branding

if TYPE_CHECKING:
    from jinja2 import Environment


class MailKind(StrEnum):
    WELCOME = "welcome"
    ALREADY_REGISTERED = "already_registered"
    CREDENTIALS = "credentials"
    REMINDER = "reminder"
    THANKS = "thanks"
    APOLOGY = "apology"
    EXTENDED = "extended"


SUBJECTS: dict[MailKind, str] = {
    MailKind.WELCOME: "Welcome to {title}: your workshop is being prepared",
    MailKind.ALREADY_REGISTERED: "You are already registered for {title}",
    MailKind.CREDENTIALS: "{title} is ready: your login",
    MailKind.REMINDER: "{title} ends in {minutes} minutes",
    MailKind.THANKS: "Thank you for taking {title}",
    MailKind.APOLOGY: "Sorry, we could not prepare {title}",
    MailKind.EXTENDED: "{title}: {minutes} more minutes",
}


@dataclass(frozen=True)
class RenderedMail:
    kind: MailKind
    subject: str
    text: str
    html: str


@lru_cache(maxsize=1)
def _environment() -> Environment:
    # Imported here: most API requests send no mail, and jinja2 is ~30 ms of a cold start.
    from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

    return Environment(
        loader=PackageLoader("wod.mail", "templates"),
        # HTML is escaped; the .txt bodies are plain text and never rendered as markup.
        autoescape=select_autoescape(enabled_extensions=("html", "svg"), default_for_string=False),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def _one_line(value: str) -> str:
    return " ".join(value.split())


def render_mail(kind: MailKind, branding: Branding, **context: Any) -> RenderedMail:
    env = _environment()
    values = {"branding": branding, "kind": kind.value, **context}
    subject = SUBJECTS[kind].format(
        title=_one_line(str(context["workshop"].title)), minutes=context.get("minutes", "")
    )
    return RenderedMail(
        kind=kind,
        subject=subject,
        text=env.get_template(f"{kind.value}.txt").render(values),
        html=env.get_template(f"{kind.value}.html").render(values),
    )


def render_badge(title: str, branding: Branding) -> str:
    """The branded badge of a workshop (SVG; the title is escaped and wrapped)."""
    lines = badge_lines(title)
    return (
        _environment()
        .get_template("badge.svg")
        .render(
            title=title,
            lines=lines,
            first_y=150 - (len(lines) - 1) * 14,
            colors=branding.colors,
            product_name=branding.product_name,
            organization=branding.name,
        )
    )
