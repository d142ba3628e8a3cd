"""The periodic sweep: finishes follow-ups that failed after a seat was taken, or gives the seat
back when the backend was never told; ends sessions whose expiry was lost; makes a new attempt
at end orders never confirmed; re-issues credentials that could not be mailed; sends reminders
that failed. Run every few minutes by EventBridge (and by the local stack). Each registration is
leased first, so two sweeps running at once act once. Seats whose end keeps failing are
reported as `escalated` on every pass (the `Sweep_escalated` metric and its alarm).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from aws_lambda_powertools import Logger

from wod.domain.errors import AlreadyEndedError, InvalidTransitionError
from wod.domain.registrations import EndReason, FollowUp, Registration, end_verb
from wod.domain.states import State
from wod.domain.transitions import to_cancelled
from wod.mail.render import MailKind
from wod_contracts.orders import OrderVerb

from .follow_ups import FollowUps
from .lifecycle import Fired, Lifecycle
from .notifications import Notifier
from .ports import BackendPresence, Backlog, Catalog, Clock, Ledger, Stamps
from .sessions import Sessions
from .warm_seats import WarmSeats

logger = Logger(child=True)

LEASE_SECONDS = 120


class Swept(StrEnum):
    """What the sweep did to one registration (the report, and the sweep function's metrics)."""

    LEASED_ELSEWHERE = "leased_elsewhere"
    ERROR = "error"
    REPAIRED = "repaired"
    STILL_FAILING = "still_failing"
    CANCELLED = "cancelled"
    MOVED_MEANWHILE = "moved_meanwhile"
    END_ORDER_RESENT = "end_order_resent"  # a new attempt at an end never confirmed
    EXPIRED = "expired"
    STUCK = "stuck"
    REISSUED = "reissued"  # credentials never mailed: a fresh password is on its way
    REMINDED = "reminded"  # a reminder whose mail had failed
    ESCALATED = "escalated"  # its seat could not be wiped after several attempts


@dataclass(frozen=True)
class SweepTimings:
    grace_seconds: int
    give_up_seconds: int
    stuck_after_seconds: int = 600
    # A live agent's queue may be long (a rush): an order it has not taken yet is stuck only
    # after this many stuck periods.
    queue_patience: int = 3

    @property
    def grace(self) -> timedelta:
        """Follow-ups younger than this are left to the request that started them."""
        return timedelta(seconds=self.grace_seconds)

    @property
    def give_up(self) -> timedelta:
        return timedelta(seconds=self.give_up_seconds)

    @property
    def stuck_after(self) -> timedelta:
        return timedelta(seconds=self.stuck_after_seconds)

    @property
    def longest_wait(self) -> timedelta:
        return self.queue_patience * self.stuck_after


class Sweeper:
    def __init__(
        self,
        *,
        backlog: Backlog,
        ledger: Ledger,
        stamps: Stamps,
        catalog: Catalog,
        follow_ups: FollowUps,
        sessions: Sessions,
        lifecycle: Lifecycle,
        notifier: Notifier,
        warm_seats: WarmSeats,
        presence: BackendPresence,
        clock: Clock,
        timings: SweepTimings,
    ) -> None:
        self._warm_seats = warm_seats
        self._presence = presence
        self._backlog = backlog
        self._ledger = ledger
        self._stamps = stamps
        self._catalog = catalog
        self._follow_ups = follow_ups
        self._sessions = sessions
        self._lifecycle = lifecycle
        self._notifier = notifier
        self._clock = clock
        self._timings = timings
        self._ready_waited: set[str] = set()  # READY ones unchanged for a stuck period (a pass)

    def run(self) -> dict[str, Swept]:
        """One pass; returns what was done to each registration it looked at, by id."""
        now = self._clock()
        report: dict[str, Swept] = {}
        waited = {
            r.registration_id
            for r in self._backlog.in_state(State.ENDING, now - self._timings.stuck_after)
        }
        for state in (State.PENDING, State.ENDING):
            for registration in self._backlog.in_state(state, now - self._timings.grace):
                if registration.escalated and registration.registration_id not in waited:
                    continue  # its next attempt waits a stuck period (no hot loop)
                # Credentials owed by a session that is ending are moot: its seat is wiped.
                if registration.follow_ups - {FollowUp.CREDENTIALS_MAIL}:
                    self._leased(registration, self._sweep_one, now, report)
        for registration in self._overdue(now):
            if registration.registration_id not in report:
                self._leased(registration, self._end_overdue, now, report)
        # Seats whose end keeps failing, as they stand after this pass: reported on every pass
        # while they are held (the metric behind EscalatedEndAlarm).
        everything = self._clock() + timedelta(days=1)  # changed at any time, this pass too
        for registration in self._backlog.in_state(State.ENDING, everything):
            rid = registration.registration_id
            if registration.escalated and report.get(rid) is not Swept.ERROR:
                report[rid] = Swept.ESCALATED
        prepared = self._warm_seats.top_up_all()
        if prepared:
            logger.info("warm seats being prepared", prepare_orders=prepared)
        return report

    def _leased(
        self,
        registration: Registration,
        step: Callable[[Registration], Swept],
        now: datetime,
        report: dict[str, Swept],
    ) -> None:
        """Only the sweep holding the lease acts; one registration's trouble is logged and
        reported, and the sweep goes on with the rest."""
        rid = registration.registration_id
        if not self._stamps.take_lease(rid, now.timestamp(), LEASE_SECONDS):
            report[rid] = Swept.LEASED_ELSEWHERE
            return
        try:
            report[rid] = step(registration)
        except Exception:
            logger.exception("sweep step failed", registration_id=rid)
            report[rid] = Swept.ERROR

    def _overdue(self, now: datetime) -> Iterator[Registration]:
        """Seats never ready in time, sessions past their end, and ends never confirmed."""
        stuck_before = now - self._timings.stuck_after
        alive: dict[str, bool] = {}
        for state in (State.PENDING, State.DEPLOYING):
            for registration in self._backlog.in_state(state, stuck_before):
                if FollowUp.CREATE_ORDER in registration.follow_ups:
                    continue  # never ordered: the give-up rule of _sweep_one applies
                backend = registration.backend
                if backend not in alive:
                    seen = self._presence.last_seen(backend)
                    alive[backend] = seen is not None and now - seen <= self._timings.stuck_after
                if self._stuck(registration, now, alive[backend]):
                    yield registration
        waited = {r.registration_id for r in self._backlog.in_state(State.READY, stuck_before)}
        self._ready_waited = waited
        for registration in self._backlog.in_state(State.READY, now - self._timings.grace):
            lost_expiry = registration.ends_at < now - self._timings.grace
            running = registration.ends_at > now
            if lost_expiry or (running and self._owed(registration, now, waited)):
                yield registration
        yield from self._backlog.in_state(State.ENDING, stuck_before)

    def _owed(self, registration: Registration, now: datetime, waited: set[str]) -> bool:
        """A running session with something outstanding: a follow-up that failed (the welcome,
        the schedules, a REISSUE order), its credentials (never mailed, or a REISSUE unanswered
        for a stuck period), or a due reminder whose mail failed."""
        if registration.follow_ups - {FollowUp.CREDENTIALS_MAIL}:
            return True
        if FollowUp.CREDENTIALS_MAIL in registration.follow_ups:
            return self._reissue_due(registration, waited)
        return not registration.reminder_sent and registration.reminder_at < now

    @staticmethod
    def _reissue_due(registration: Registration, waited: set[str]) -> bool:
        if registration.order_verb is not OrderVerb.REISSUE:
            return True  # the agent's callback gave up on the credentials mail
        return registration.registration_id in waited  # a REISSUE unanswered that long

    def _stuck(self, registration: Registration, now: datetime, agent_alive: bool) -> bool:
        """A seat on its way is stuck when the agent took its order and did not finish in
        time, or when no agent shows life (a dead or old agent). Waiting behind other orders of
        a live agent is a rush, not a failure, up to the longest wait."""
        timings = self._timings
        if registration.taken_at is not None:
            return now - registration.taken_at > timings.stuck_after
        if not agent_alive:
            return True
        return now - registration.created_at > timings.longest_wait

    def _end_overdue(self, registration: Registration) -> Swept:
        workshop = self._catalog.get(registration.workshop_id).workshop
        now = self._clock()
        if registration.state is State.ENDING:
            # Never confirmed: a new attempt with a new id (the agent may hold the old one as
            # reported, and SQS would drop a same-id resend within its deduplication window).
            retried = self._sessions.retry_end(
                registration, "no answer from the backend", queue_if_escalated=True
            )
            if retried.order_id == registration.order_id:
                return Swept.MOVED_MEANWHILE
            return Swept.END_ORDER_RESENT
        if registration.state is State.READY and registration.ends_at < now - self._timings.grace:
            self._sessions.end(registration, EndReason.EXPIRED, end_verb(workshop))
            return Swept.EXPIRED
        if registration.state is State.READY:
            return self._settle_mail(registration)
        # The seat may hold part of a deployment: the workshop's own end order undoes it.
        ending = self._sessions.end(registration, EndReason.STUCK, end_verb(workshop))
        if ending.end_reason is EndReason.STUCK:
            self._notifier.send_best_effort(MailKind.APOLOGY, registration, workshop)
        return Swept.STUCK

    def _settle_mail(self, registration: Registration) -> Swept:
        """Finish what a running session still lacks: its follow-ups, then its credentials (a
        fresh password, REISSUE), then a reminder that failed."""
        workshop = self._catalog.get(registration.workshop_id).workshop
        pending = registration.follow_ups - {FollowUp.CREDENTIALS_MAIL}
        reissue_sent = FollowUp.REISSUE_ORDER in pending
        if pending:
            registration = self._follow_ups.finish(registration, workshop)
            if registration.follow_ups - {FollowUp.CREDENTIALS_MAIL}:
                return Swept.STILL_FAILING
        if FollowUp.CREDENTIALS_MAIL in registration.follow_ups:
            if reissue_sent or not self._reissue_due(registration, self._ready_waited):
                return Swept.REISSUED if reissue_sent else Swept.REPAIRED
            try:
                self._sessions.reissue(registration.registration_id)
            except (InvalidTransitionError, AlreadyEndedError):
                return Swept.MOVED_MEANWHILE
            return Swept.REISSUED
        if pending:
            return Swept.REPAIRED
        fired = self._lifecycle.remind(registration.registration_id)
        return Swept.REMINDED if fired is Fired.REMINDED else Swept.STILL_FAILING

    def _sweep_one(self, registration: Registration) -> Swept:
        workshop = self._catalog.get(registration.workshop_id).workshop
        now = self._clock()
        never_ordered = FollowUp.CREATE_ORDER in registration.follow_ups
        if (
            registration.state is State.PENDING
            and never_ordered
            and (now - registration.created_at > self._timings.give_up)
        ):
            # The backend never heard of this seat, so nothing needs wiping: give it back.
            try:
                self._ledger.apply(registration, to_cancelled("the order could not be queued"), now)
            except InvalidTransitionError:
                return Swept.MOVED_MEANWHILE
            self._notifier.send_best_effort(MailKind.APOLOGY, registration, workshop)
            logger.warning("seat given back", registration_id=registration.registration_id)
            self._warm_seats.top_up(registration.workshop_id)
            return Swept.CANCELLED
        after = self._follow_ups.finish(registration, workshop)
        left = after.follow_ups - {FollowUp.CREDENTIALS_MAIL}
        return Swept.REPAIRED if not left else Swept.STILL_FAILING


def tally(report: dict[str, Swept]) -> dict[str, int]:
    return dict(Counter(outcome.value for outcome in report.values()))
