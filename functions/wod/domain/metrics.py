"""The business metrics the functions emit (CloudWatch EMF, namespace `WorkshopsOnDemand`), each
per workshop. template.yaml's dashboard plots them (tests/unit/test_template_observability.py
holds the two together)."""

from __future__ import annotations

from enum import StrEnum

NAMESPACE = "WorkshopsOnDemand"
WORKSHOP_DIMENSION = "workshop"


class Metric(StrEnum):
    REGISTRATIONS = "Registrations"  # a seat taken (a duplicate is not counted)
    WORKSHOP_FULL = "WorkshopFull"  # a registration refused: no seat free
    TIME_TO_CREDENTIALS = "TimeToCredentials"  # seconds from registering to the login mailed
    APOLOGIES = "Apologies"  # an apology mailed (a failed or stuck deployment)
    FAILED_ORDERS = "FailedOrders"  # the agent reported an order failed (any verb)
