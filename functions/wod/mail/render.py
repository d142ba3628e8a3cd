"""Renders a mail of a given kind, in a language, from its templates and the branding.

Pure: called by the services, which hand the result to the mail adapter. Participant input only
ever reaches the bodies (escaped in HTML); subjects are built from catalog data only. Every
sentence goes through gettext (the templates' `{% trans %}` and `_()`, the subjects' `N_`), so
`make translations` finds it and the catalogs of wod/locales translate it.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from typing import TYPE_CHECKING, Any

from wod.domain.badges import badge_lines
from wod.domain.locales import DEFAULT_LANGUAGE
from wod.locales import N_, translations
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
    MailKind.WELCOME: N_("Welcome to {title}: your workshop is being prepared"),
    MailKind.ALREADY_REGISTERED: N_("You are already registered for {title}"),
    MailKind.CREDENTIALS: N_("{title} is ready: your login"),
    MailKind.THANKS: N_("Thank you for taking {title}"),
    MailKind.APOLOGY: N_("Sorry, we could not prepare {title}"),
}
# Plain-text bodies: a translated paragraph is one line until it is wrapped here.
TEXT_WIDTH = 76


@dataclass(frozen=True)
class RenderedMail:
    kind: MailKind
    subject: str
    text: str
    html: str


@cache
def _environment(language: str = DEFAULT_LANGUAGE) -> Environment:
    """One environment per language, each with that language's gettext installed."""
    # Imported here: most API requests send no mail, and jinja2 is ~30 ms of a cold start.
    from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

    env = Environment(
        loader=PackageLoader("wod.mail", "templates"),
        # HTML is escaped; the .txt bodies are plain text and never rendered as markup.
        autoescape=select_autoescape(enabled_extensions=("html", "svg"), default_for_string=False),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        extensions=["jinja2.ext.i18n"],
    )
    # Message ids without the templates' line breaks, so re-wrapping a template changes no id.
    env.policies["ext.i18n.trimmed"] = True
    env.install_gettext_translations(translations(language), newstyle=True)  # type: ignore[attr-defined]
    return env


def _one_line(value: str) -> str:
    return " ".join(value.split())


def _wrapped(text: str) -> str:
    """Long lines wrapped at TEXT_WIDTH; links and short lines (the `-- ` signature) untouched."""
    lines = []
    for line in text.split("\n"):
        if len(line) <= TEXT_WIDTH:
            lines.append(line)
        else:
            lines.extend(
                textwrap.wrap(line, TEXT_WIDTH, break_long_words=False, break_on_hyphens=False)
            )
    return "\n".join(lines)


def subject_of(kind: MailKind, title: str, language: str, minutes: int = 0) -> str:
    gettext = translations(language)
    if kind is MailKind.REMINDER:
        pattern = gettext.ngettext(
            "{title} ends in {minutes} minute", "{title} ends in {minutes} minutes", minutes
        )
    elif kind is MailKind.EXTENDED:
        pattern = gettext.ngettext(
            "{title}: {minutes} more minute", "{title}: {minutes} more minutes", minutes
        )
    else:
        pattern = gettext.gettext(SUBJECTS[kind])
    return pattern.format(title=_one_line(title), minutes=minutes)


def render_mail(
    kind: MailKind, branding: Branding, language: str = DEFAULT_LANGUAGE, **context: Any
) -> RenderedMail:
    env = _environment(language)
    values = {"branding": branding, "kind": kind.value, "language": language, **context}
    subject = subject_of(
        kind, str(context["workshop"].title), language, int(context.get("minutes", 0))
    )
    return RenderedMail(
        kind=kind,
        subject=subject,
        text=_wrapped(env.get_template(f"{kind.value}.txt").render(values)),
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
