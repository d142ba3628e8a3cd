"""What is left to do after a seat was taken or a session began to end: the welcome mail, the
order, the schedules. Each step is struck off once done, so a failure leaves a visible to-do
that the sweep finishes. Called by registration, ending and the sweep.
"""

from __future__ import annotations

from aws_lambda_powertools import Logger

from wod.domain.errors import ConfigurationError, DeliveryError, InvalidTransitionError
from wod.domain.registrations import START_FOLLOW_UPS, FollowUp, Registration
from wod.domain.schedules import ScheduleKind
from wod.domain.states import State
from wod.domain.transitions import to_deploying
from wod.mail.render import MailKind
from wod_contracts.orders import OrderVerb
from wod_contracts.workshop import Workshop

from .notifications import Notifier
from .orders import OrderDesk
from .ports import Clock, Ledger, Schedules

logger = Logger(child=True)

ORDER_OF_STEPS = (*START_FOLLOW_UPS, FollowUp.END_ORDER, FollowUp.REISSUE_ORDER)


class FollowUps:
    def __init__(
        self,
        *,
        ledger: Ledger,
        notifier: Notifier,
        orders: OrderDesk,
        schedules: Schedules,
        clock: Clock,
    ) -> None:
        self._ledger = ledger
        self._notifier = notifier
        self._orders = orders
        self._schedules = schedules
        self._clock = clock

    def finish(self, registration: Registration, workshop: Workshop) -> Registration:
        """Do what is left to do; returns the registration as stored.

        Safe to repeat: the order keeps its id (SQS deduplicates it, the agent is idempotent by
        it), schedules have fixed names, and a step is struck off only once it succeeded.
        """
        remaining = set(registration.follow_ups)
        for step in ORDER_OF_STEPS:
            if step not in remaining:
                continue
            try:
                self._do(step, registration, workshop)
            except (DeliveryError, ConfigurationError) as exc:
                # A misrouted backend is an operator's fix away: keep the to-do, like a failed
                # delivery, so the sweep finishes it (or gives the seat back) once it is fixed.
                logger.warning(
                    "follow-up failed; the sweep will retry",
                    registration_id=registration.registration_id,
                    step=step.value,
                    error=str(exc),
                )
                continue
            remaining = set(self._ledger.follow_up_done(registration.registration_id, step))
        if not remaining & set(START_FOLLOW_UPS) and registration.state is State.PENDING:
            try:
                return self._ledger.apply(registration, to_deploying(), self._clock())
            except InvalidTransitionError:
                pass  # the agent's callback (or an early end) came first
        return self._ledger.get(registration.registration_id)

    def _do(self, step: FollowUp, registration: Registration, workshop: Workshop) -> None:
        if step is FollowUp.WELCOME_MAIL:
            self._notifier.send(MailKind.WELCOME, registration, workshop)
        elif step is FollowUp.REISSUE_ORDER and registration.order_verb is not OrderVerb.REISSUE:
            return  # the session ended meanwhile: its end order replaced the REISSUE
        elif step in (FollowUp.CREATE_ORDER, FollowUp.END_ORDER, FollowUp.REISSUE_ORDER):
            self._orders.send(registration)
        elif step is FollowUp.SCHEDULES:
            self._schedules.create(
                registration.registration_id, ScheduleKind.REMINDER, registration.reminder_at
            )
            self._schedules.create(
                registration.registration_id, ScheduleKind.EXPIRY, registration.ends_at
            )
