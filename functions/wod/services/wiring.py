"""Wires the services to the real adapters, once per process (cached for warm starts).

Tests and the local stack build their own with `build_services(settings, ...)`; the unit tests
wire the same services to in-memory twins (`tests/support/memory.py`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache

from wod.adapters.guards import GuardStore
from wod.adapters.limits import LimitStore
from wod.adapters.mailer import SesMailer
from wod.adapters.models import bind_tables
from wod.adapters.orders import SqsOrderQueues
from wod.adapters.registrations import RegistrationStore
from wod.adapters.schedules import EventBridgeSchedules
from wod.adapters.secrets import callback_secrets, token_key
from wod.adapters.telemetry import EmfTelemetry
from wod.adapters.workshops import WorkshopStore
from wod.domain.limits import Limit
from wod.settings import Settings, get_settings
from wod_contracts.branding import Branding, load_branding

from .callbacks import CallbackService
from .challenges import Challenges, challenge_key
from .console import Console
from .erasure import Erasure
from .follow_ups import FollowUps
from .lifecycle import Lifecycle
from .links import Hubs, Links
from .mail_events import MailEvents
from .notifications import Notifier
from .orders import OrderDesk
from .participants import Participants
from .ports import (
    Clock,
    Guards,
    Limits,
    Mailer,
    OrderQueues,
    Pools,
    Schedules,
    Store,
    Telemetry,
)
from .registrations import Registrar
from .sessions import Sessions
from .sweep import Sweeper, SweepTimings
from .throttle import LimitRules, Throttle
from .warm_seats import WarmSeats


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Adapters:
    """The outside world as the services see it."""

    catalog: Pools
    store: Store
    guards: Guards
    mailer: Mailer
    queues: OrderQueues
    schedules: Schedules
    limits: Limits
    telemetry: Telemetry


@dataclass(frozen=True)
class Services:
    settings: Settings
    branding: Branding
    adapters: Adapters
    registrar: Registrar
    participants: Participants
    sessions: Sessions
    follow_ups: FollowUps
    warm_seats: WarmSeats
    callbacks: CallbackService
    erasure: Erasure
    lifecycle: Lifecycle
    sweeper: Sweeper
    mail_events: MailEvents
    challenges: Challenges
    throttle: Throttle
    console: Console

    @property
    def workshops(self) -> Pools:
        return self.adapters.catalog

    @property
    def store(self) -> Store:
        return self.adapters.store


def limits_of(settings: Settings) -> LimitRules:
    return LimitRules(
        per_source=(
            Limit("ip", settings.limit_source_per_minute, 60),
            Limit("ip", settings.limit_source_per_day, 86_400),
        ),
        per_person=(
            Limit("person", settings.limit_person_per_hour, 3_600),
            Limit("person", settings.limit_person_per_day, 86_400),
        ),
        mails_per_person=Limit("mail", settings.limit_mails_per_person_per_day, 86_400),
    )


def real_adapters(settings: Settings, store: Store | None = None) -> Adapters:
    bind_tables(settings)
    return Adapters(
        catalog=WorkshopStore(),
        store=store or RegistrationStore(retention=settings.retention),
        guards=GuardStore(retention=settings.retention),
        mailer=SesMailer(settings.mail_configuration_set),
        queues=SqsOrderQueues(settings.backend_queues),
        schedules=EventBridgeSchedules(
            settings.scheduler_group, settings.lifecycle_function_arn, settings.scheduler_role_arn
        ),
        limits=LimitStore(),
        telemetry=EmfTelemetry(),
    )


def wire(
    settings: Settings,
    adapters: Adapters,
    *,
    token_key: bytes,
    callback_secrets: Callable[[], Mapping[str, bytes]],
    clock: Clock = utc_now,
    branding: Branding | None = None,
) -> Services:
    """The services over the given adapters (real ones, or the unit tests' twins)."""
    branding = branding or load_branding(settings.branding_file)
    links = Links(settings.site_url or str(branding.site_url))
    hubs = Hubs(dict(settings.backend_hubs))
    store, catalog = adapters.store, adapters.catalog
    throttle = Throttle(counters=adapters.limits, clock=clock, limits=limits_of(settings))
    notifier = Notifier(
        branding,
        links,
        adapters.mailer,
        token_key,
        clock,
        suppressed=adapters.guards.is_suppressed,
        mail_allowed=throttle.allow_mail,
        telemetry=adapters.telemetry,
    )
    orders = OrderDesk(adapters.queues, token_key, clock)
    follow_ups = FollowUps(
        ledger=store, notifier=notifier, orders=orders, schedules=adapters.schedules, clock=clock
    )
    warm_seats = WarmSeats(
        pools=catalog,
        orders=orders,
        clock=clock,
        prepare_timeout=timedelta(seconds=settings.prepare_timeout_seconds),
    )
    sessions = Sessions(
        catalog=catalog,
        ledger=store,
        schedules=adapters.schedules,
        follow_ups=follow_ups,
        notifier=notifier,
        token_key=token_key,
        clock=clock,
    )
    registrar = Registrar(
        catalog=catalog,
        claims=store,
        registrations=store,
        suppressions=adapters.guards,
        stamps=store,
        notifier=notifier,
        follow_ups=follow_ups,
        warm_seats=warm_seats,
        clock=clock,
        telemetry=adapters.telemetry,
        duplicate_notice_interval=settings.duplicate_notice_interval_seconds,
        domain_cap=settings.domain_cap_per_workshop,
        exempt_domains=tuple(settings.domain_cap_exempt),
    )
    participants = Participants(
        catalog=catalog,
        registrations=store,
        backlog=store,
        sessions=sessions,
        hubs=hubs,
        token_key=token_key,
        clock=clock,
    )
    erasure = Erasure(
        registrations=store,
        suppressions=adapters.guards,
        catalog=catalog,
        sessions=sessions,
        clock=clock,
    )
    callbacks = CallbackService(
        secrets=callback_secrets,
        guards=adapters.guards,
        ledger=store,
        catalog=catalog,
        notifier=notifier,
        sessions=sessions,
        warm_seats=warm_seats,
        erasure=erasure,
        hubs=hubs,
        token_key=token_key,
        clock=clock,
        telemetry=adapters.telemetry,
    )
    lifecycle = Lifecycle(
        registrations=store,
        stamps=store,
        catalog=catalog,
        notifier=notifier,
        sessions=sessions,
        hubs=hubs,
        clock=clock,
    )
    sweeper = Sweeper(
        backlog=store,
        ledger=store,
        stamps=store,
        catalog=catalog,
        follow_ups=follow_ups,
        sessions=sessions,
        lifecycle=lifecycle,
        notifier=notifier,
        warm_seats=warm_seats,
        presence=adapters.guards,
        clock=clock,
        timings=SweepTimings(
            grace_seconds=settings.sweep_grace_seconds,
            give_up_seconds=settings.sweep_give_up_seconds,
            stuck_after_seconds=settings.stuck_after_seconds,
        ),
    )
    return Services(
        settings=settings,
        branding=branding,
        adapters=adapters,
        registrar=registrar,
        participants=participants,
        sessions=sessions,
        follow_ups=follow_ups,
        warm_seats=warm_seats,
        callbacks=callbacks,
        erasure=erasure,
        lifecycle=lifecycle,
        sweeper=sweeper,
        mail_events=MailEvents(adapters.guards),
        challenges=Challenges(
            key=challenge_key(token_key),
            once=adapters.limits,
            clock=clock,
            max_number=settings.altcha_max_number,
            lifetime_seconds=settings.altcha_lifetime_seconds,
        ),
        throttle=throttle,
        console=Console(
            catalog=catalog,
            roster=store,
            ledger=store,
            sessions=sessions,
            clock=clock,
        ),
    )


def build_services(
    settings: Settings,
    *,
    store: Store | None = None,
    clock: Clock = utc_now,
) -> Services:
    """The services over the real AWS adapters."""
    return wire(
        settings,
        real_adapters(settings, store),
        token_key=token_key(settings),
        # Read when the first callback comes (from Secrets Manager in the cloud).
        callback_secrets=lambda: callback_secrets(settings),
        clock=clock,
    )


@lru_cache(maxsize=1)
def get_services() -> Services:
    return build_services(get_settings())
