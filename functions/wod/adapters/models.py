"""PynamoDB models of the four tables that `template.yaml` declares.

`tests/unit/test_template_tables.py` holds the template's keys, indexes and TTL attributes
against these models, so the two cannot drift.
"""

from __future__ import annotations

from typing import Any

from pynamodb.attributes import (
    BooleanAttribute,
    JSONAttribute,
    MapAttribute,
    NumberAttribute,
    NumberSetAttribute,
    TTLAttribute,
    UnicodeAttribute,
    UnicodeSetAttribute,
    UTCDateTimeAttribute,
)
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from wod.settings import Settings


class WorkshopRecord(Model):
    """A workshop of the catalog and its pool of free students (one item, so claims are atomic)."""

    class Meta:
        table_name = "wod-workshops"

    workshop_id = UnicodeAttribute(hash_key=True)
    meta = JSONAttribute()  # the Workshop model, as seeded from workshop.yml
    badge_svg = UnicodeAttribute(null=True)  # the workshop's own badge.svg, if it has one
    active = BooleanAttribute(default=True)
    public = BooleanAttribute(default=True)
    capacity = NumberAttribute()
    # DynamoDB has no empty sets: the attribute disappears when the last seat is taken.
    free_students = NumberSetAttribute(null=True)
    # Free students whose seat the backend prepared ahead of time (a subset of free_students).
    warm_students = NumberSetAttribute(null=True)
    # Student number (as a string) -> {"order_id", "since"} of a PREPARE not answered yet. Always
    # present (maybe empty): a claim removes its student's entry by path, which needs the map.
    preparing = MapAttribute[str, Any](default=dict)
    warm_paused_until = UTCDateTimeAttribute(null=True)
    # Set while closed: "organizer" (wod-admin close) or "removed" (left the catalog, wod-admin
    # sync). Seeding keeps it; the seat claim's condition refuses a closed workshop.
    closed_reason = UnicodeAttribute(null=True)
    # Bumped by every change of the pool, so that no writer overwrites a concurrent change.
    pool_version = NumberAttribute(default=0)
    updated_at = UTCDateTimeAttribute()


class StateIndex(GlobalSecondaryIndex["RegistrationRecord"]):
    """Registrations by state, oldest change first: what the sweep and the lifecycle query."""

    class Meta:
        index_name = "by-state"
        projection = AllProjection()

    state = UnicodeAttribute(hash_key=True)
    updated_at = UTCDateTimeAttribute(range_key=True)


class RegistrationRecord(Model):
    class Meta:
        table_name = "wod-registrations"

    registration_id = UnicodeAttribute(hash_key=True)
    workshop_id = UnicodeAttribute()
    backend = UnicodeAttribute()
    student = NumberAttribute()
    email = UnicodeAttribute()
    first_name = UnicodeAttribute()
    last_name = UnicodeAttribute()
    company = UnicodeAttribute()
    state = UnicodeAttribute()
    created_at = UTCDateTimeAttribute()
    updated_at = UTCDateTimeAttribute()
    ends_at = UTCDateTimeAttribute()
    reminder_at = UTCDateTimeAttribute()
    order_id = UnicodeAttribute()
    order_verb = UnicodeAttribute()
    follow_ups = UnicodeSetAttribute(null=True)
    error = UnicodeAttribute(null=True)
    sweep_lease_until = NumberAttribute(null=True)
    duplicate_notice_at = NumberAttribute(null=True)
    reminder_sent_at = NumberAttribute(null=True)  # SES accepted the reminder
    reminder_lease_until = NumberAttribute(null=True)  # a sender is at it (see claim_reminder)
    end_reason = UnicodeAttribute(null=True)
    warm_seat = BooleanAttribute(null=True)
    taken_at = UTCDateTimeAttribute(null=True)
    time_zone = UnicodeAttribute(null=True)  # absent on registrations older than the field
    language = UnicodeAttribute(null=True)
    email_key = UnicodeAttribute(null=True)  # the canonical address (older rows: none)
    ready_at = UTCDateTimeAttribute(null=True)
    self_extended = BooleanAttribute(null=True)
    end_attempts = NumberAttribute(null=True)  # failed or unanswered end orders
    erase_requested = BooleanAttribute(null=True)  # erase the personal fields once final
    erased_at = UTCDateTimeAttribute(null=True)  # personal fields wiped
    expires_at = TTLAttribute()

    by_state = StateIndex()


class GuardRecord(Model):
    """Uniqueness guards: one active registration per person and workshop, a domain's share of a
    workshop, one use per signature, and the addresses never to mail again."""

    class Meta:
        table_name = "wod-guards"

    guard_id = UnicodeAttribute(hash_key=True)
    registration_id = UnicodeAttribute(null=True)  # an email guard: who holds the seat
    reason = UnicodeAttribute(null=True)  # a suppression: the SES event that caused it
    seen_at = UTCDateTimeAttribute(null=True)  # a backend: its agent's last progress report
    # A domain's share of a workshop: the registrations of that domain holding a seat there.
    holders = UnicodeSetAttribute(null=True)
    expires_at = TTLAttribute(null=True)


class LimitRecord(Model):
    """A counter of an abuse limit (one window of one key), or a value used once."""

    class Meta:
        table_name = "wod-limits"

    limit_id = UnicodeAttribute(hash_key=True)
    hits = NumberAttribute(null=True)
    expires_at = TTLAttribute()


def bind_tables(settings: Settings) -> None:
    """Point the models at the deployment's table names (once, by the service factory)."""
    WorkshopRecord.Meta.table_name = settings.workshops_table
    RegistrationRecord.Meta.table_name = settings.registrations_table
    GuardRecord.Meta.table_name = settings.guards_table
    LimitRecord.Meta.table_name = settings.limits_table
