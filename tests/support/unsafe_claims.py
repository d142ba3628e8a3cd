"""A handler whose seat claim is check-then-act (the reference system's race), for the negative
control of the concurrency test only. Served by a second local gateway:
`--handler tests.support.unsafe_claims:handler`.
"""

from __future__ import annotations

from functools import lru_cache

from wod.adapters.models import GuardRecord, WorkshopRecord
from wod.adapters.registrations import RegistrationStore, email_guard_id, to_record
from wod.domain.errors import WorkshopFullError
from wod.domain.registrations import Registration
from wod.handlers.api import make_handler
from wod.services.wiring import Services, build_services
from wod.settings import get_settings


class CheckThenActStore(RegistrationStore):
    """Reads the pool, takes the first free student, then writes without any condition."""

    def claim_seat(self, registration: Registration, *, domain_cap: int | None = None) -> None:
        pool = WorkshopRecord.get(registration.workshop_id, consistent_read=True)
        free = sorted(int(s) for s in pool.free_students or ())
        if not free:
            raise WorkshopFullError(registration.workshop_id)
        student = free[0]
        taken = Registration(**{**registration.__dict__, "student": student})
        WorkshopRecord(registration.workshop_id).update(
            actions=[WorkshopRecord.free_students.delete({student})]
        )
        to_record(taken).save()
        GuardRecord(
            email_guard_id(taken.workshop_id, taken.person), registration_id=taken.registration_id
        ).save()


@lru_cache(maxsize=1)
def _services() -> Services:
    return build_services(get_settings(), store=CheckThenActStore())


handler = make_handler(_services)
