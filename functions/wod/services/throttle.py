"""The abuse limits: registrations per source address and per person (canonical address), and
mails per person and day, counted in the limits table. Called by `POST /api/registrations`
before anything is written, and by the notifier before each mail.

A booth behind one NAT address must be able to register its visitors: the per-source limits are
generous (50 people in a minute, hundreds a day by default); a single person is held tighter.
"""

from __future__ import annotations

from dataclasses import dataclass

from aws_lambda_powertools import Logger

from wod.domain.errors import RateLimitedError
from wod.domain.limits import Limit, window

from .ports import Clock, Counters

logger = Logger(child=True)


@dataclass(frozen=True)
class LimitRules:
    per_source: tuple[Limit, ...]
    per_person: tuple[Limit, ...]
    mails_per_person: Limit


class Throttle:
    def __init__(self, *, counters: Counters, clock: Clock, limits: LimitRules) -> None:
        self._counters = counters
        self._clock = clock
        self._limits = limits

    def _take(self, limit: Limit, key: str) -> int | None:
        """None if one more is allowed (and counted); else the seconds until it is."""
        if not limit.active:
            return None
        current = window(limit, key, self._clock())
        if self._counters.take(current.counter_id, limit.most, current.expires_at):
            return None
        return current.retry_after

    def admit_registration(self, source: str, person: str) -> None:
        """Count a registration attempt; RateLimitedError if the source or the person has had
        its share of this window (nothing is counted past a limit)."""
        checks = [(limit, source) for limit in self._limits.per_source]
        checks += [(limit, person) for limit in self._limits.per_person]
        for limit, key in checks:
            retry_after = self._take(limit, key)
            if retry_after is not None:
                logger.warning(
                    "registration limited", scope=limit.scope, window=limit.window_seconds
                )
                raise RateLimitedError(limit.scope, retry_after)

    def allow_mail(self, person: str) -> bool:
        """Count a mail to this person; False once today's share is sent."""
        return self._take(self._limits.mails_per_person, person) is None
