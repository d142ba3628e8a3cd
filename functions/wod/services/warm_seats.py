"""Keeps each workshop's warm pool at its target: free seats that the backend prepared ahead of
time (a PREPARE order), so that a registration gets its login in seconds.

Called after a registration takes a seat, after a seat comes back, and by every sweep (which
also gives up on PREPAREs never answered). The agent's PREPARE callbacks land here too.
"""

from __future__ import annotations

from datetime import timedelta

from aws_lambda_powertools import Logger

from wod.domain.errors import ConfigurationError, DeliveryError, WorkshopNotFoundError
from wod.domain.registrations import new_id

from .orders import OrderDesk
from .ports import Clock, Pools

logger = Logger(child=True)

# A pool changed by a concurrent registration is read again; past this, the sweep tops it up.
TOP_UP_ATTEMPTS = 3
# After a failed PREPARE, the workshop's seats are not prepared again for this long: a broken
# setup.yml is not run over and over (registrations still get full deployments).
FAILURE_PAUSE = timedelta(minutes=15)


class WarmSeats:
    def __init__(
        self, *, pools: Pools, orders: OrderDesk, clock: Clock, prepare_timeout: timedelta
    ) -> None:
        self._pools = pools
        self._orders = orders
        self._clock = clock
        self._prepare_timeout = prepare_timeout

    def top_up(self, workshop_id: str) -> int:
        """Send the PREPAREs the workshop's warm pool lacks; how many were sent. Best effort,
        never raises: what fails now is done by a later top-up (every sweep runs one)."""
        try:
            return self._top_up(workshop_id)
        except Exception:  # a registration or a callback must not fail for a warm seat
            logger.exception("warm pool not topped up", workshop_id=workshop_id)
            return 0

    def _top_up(self, workshop_id: str) -> int:
        for _ in range(TOP_UP_ATTEMPTS):
            try:
                seats = self._pools.get(workshop_id, consistent=True)
            except WorkshopNotFoundError:
                return 0
            now = self._clock()
            students = seats.to_prepare(now) if seats.workshop.active else []
            if not students:
                return 0
            orders = {student: new_id() for student in students}
            if not self._pools.reserve_preparations(workshop_id, orders, now, seats.version):
                continue  # the pool changed meanwhile: read it again
            sent = 0
            for student, order_id in orders.items():
                order = self._orders.prepare_order(seats.workshop, student, order_id)
                try:
                    self._orders.send_order(order)
                    sent += 1
                except (DeliveryError, ConfigurationError) as exc:
                    # Noted but not sent: the sweep gives up on it after the timeout.
                    logger.warning("PREPARE not queued", workshop_id=workshop_id, error=str(exc))
            return sent
        return 0

    def top_up_all(self) -> dict[str, int]:
        """Every active workshop: drop PREPAREs never answered, then top up."""
        sent: dict[str, int] = {}
        now = self._clock()
        for seats in self._pools.every():
            for student, lost in seats.stale_preparations(now, self._prepare_timeout).items():
                self._pools.drop_preparation(seats.workshop.id, student, lost.order_id)
            if seats.workshop.active and seats.workshop.warm_target:
                count = self.top_up(seats.workshop.id)
                if count:
                    sent[seats.workshop.id] = count
        return sent

    def prepared(self, workshop_id: str, student: int, order_id: str) -> bool:
        """The agent prepared the seat: it joins the warm pool if still free and still this
        PREPARE's (False otherwise: a registration took it meanwhile, or it was given up on)."""
        return self._pools.mark_warm(workshop_id, student, order_id)

    def failed(self, workshop_id: str, student: int, order_id: str) -> bool:
        """The agent could not prepare the seat: it stays cold and top-ups pause a while."""
        return self._pools.drop_preparation(
            workshop_id, student, order_id, pause_until=self._clock() + FAILURE_PAUSE
        )
