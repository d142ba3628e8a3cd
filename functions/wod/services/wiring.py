"""Wires the services to the real adapters, once per process (cached for warm starts).

Tests and the local stack build their own with `build_services(settings, ...)`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache

from wod.adapters.mailer import SesMailer
from wod.adapters.models import bind_tables
from wod.adapters.orders import SqsOrderQueues
from wod.adapters.registrations import RegistrationStore
from wod.adapters.schedules import EventBridgeSchedules
from wod.adapters.secrets import callback_secret, token_key
from wod.adapters.workshops import WorkshopStore
from wod.settings import Settings, get_settings
from wod_contracts.branding import Branding, load_branding

from .callbacks import CallbackService
from .links import Links
from .notifications import Notifier
from .ports import Clock, Registrations
from .registrations import RegistrationService
from .sweep import Sweeper


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Services:
    settings: Settings
    branding: Branding
    workshops: WorkshopStore
    registrations: RegistrationService
    sweeper: Sweeper
    callbacks: CallbackService


def build_services(
    settings: Settings,
    *,
    store: Registrations | None = None,
    clock: Clock = utc_now,
) -> Services:
    bind_tables(settings)
    branding = load_branding(settings.branding_file)
    links = Links(settings.site_url or str(branding.site_url))
    store = store or RegistrationStore()
    key = token_key(settings)
    notifier = Notifier(
        branding,
        links,
        SesMailer(settings.mail_configuration_set),
        key,
        clock,
        suppressed=store.is_suppressed,
    )
    workshops = WorkshopStore()
    registrations = RegistrationService(
        workshops=workshops,
        registrations=store,
        notifier=notifier,
        queues=SqsOrderQueues(settings.backend_queues),
        schedules=EventBridgeSchedules(
            settings.scheduler_group, settings.lifecycle_function_arn, settings.scheduler_role_arn
        ),
        hubs=dict(settings.backend_hubs),
        token_key=key,
        clock=clock,
        duplicate_notice_interval=settings.duplicate_notice_interval_seconds,
    )
    sweeper = Sweeper(
        registrations,
        grace_seconds=settings.sweep_grace_seconds,
        give_up_seconds=settings.sweep_give_up_seconds,
        stuck_after_seconds=settings.stuck_after_seconds,
    )
    callbacks = CallbackService(registrations, lambda: callback_secret(settings))
    return Services(settings, branding, workshops, registrations, sweeper, callbacks)


@lru_cache(maxsize=1)
def get_services() -> Services:
    return build_services(get_settings())
