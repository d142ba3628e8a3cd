"""How a participant reads a time: in their time zone and language, with the zone's name
("Friday, November 27, 2026, 12:00 PM (Europe/Paris)"). Called by the notifier for every mail.

Babel is imported on the first call, not with this module: most API requests send no mail, and
Babel loads a locale's data only when it formats in that locale.
"""

from __future__ import annotations

from datetime import datetime
from functools import cache
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

if TYPE_CHECKING:
    from babel import Locale


@cache
def _locale_and_pattern(language: str) -> tuple[Locale, str]:
    from babel import Locale

    locale = Locale.parse(language)
    # The locale's own way of joining its full date (with the weekday) and its short time.
    joined = str(locale.datetime_formats["full"])
    pattern = joined.replace("{1}", locale.date_formats["full"].pattern).replace(
        "{0}", locale.time_formats["short"].pattern
    )
    return locale, pattern


def participant_time(when: datetime, time_zone: str, language: str) -> str:
    from babel.dates import format_datetime

    locale, pattern = _locale_and_pattern(language)
    local = format_datetime(when, pattern, tzinfo=ZoneInfo(time_zone), locale=locale)
    return f"{local} ({time_zone})"
