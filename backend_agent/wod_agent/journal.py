"""The order journal (SQLite in state_dir): makes a redelivered order a no-op.

States: started → deployed → reported. A password is kept only sealed (see `secrets_box`) and
only until its callback was accepted, so that an agent that died between deploying and
reporting sends the same callback again instead of deploying twice.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from pathlib import Path

from wod_contracts.callbacks import Outcome
from wod_contracts.orders import Order

from .ports import WarmSeat

_SCHEMA = """
CREATE TABLE IF NOT EXISTS orders (
    order_id TEXT PRIMARY KEY,
    registration_id TEXT NOT NULL,
    verb TEXT NOT NULL,
    seat TEXT NOT NULL,
    state TEXT NOT NULL,
    sealed_password BLOB,
    outcome TEXT,
    error TEXT,
    finished_at TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL
)
"""
# Seats prepared ahead of time (PREPARE) and not handed out yet: at most one row per seat.
_WARM_SCHEMA = """
CREATE TABLE IF NOT EXISTS warm_seats (
    seat TEXT PRIMARY KEY,
    workshop_id TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    files TEXT NOT NULL,
    server INTEGER NOT NULL,
    prepared_at REAL NOT NULL
)
"""
RETENTION_SECONDS = 30 * 24 * 3600


class JournalState(StrEnum):
    STARTED = "started"
    DEPLOYED = "deployed"
    REPORTED = "reported"


@dataclass(frozen=True)
class JournalEntry:
    order_id: str
    state: JournalState
    sealed_password: bytes | None
    outcome: Outcome | None
    error: str | None
    finished_at: datetime | None
    attempts: int


class Journal:
    """Thread-safe: the loop's workers share one connection behind a lock."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")  # a reported state must survive a crash
        self._db.execute(_SCHEMA)
        self._db.execute(_WARM_SCHEMA)
        path.chmod(0o600)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def get(self, order_id: str) -> JournalEntry | None:
        with self._lock:
            row = self._db.execute(
                "SELECT order_id, state, sealed_password, outcome, error, finished_at, attempts"
                " FROM orders WHERE order_id = ?",
                (order_id,),
            ).fetchone()
        if row is None:
            return None
        return JournalEntry(
            order_id=row[0],
            state=JournalState(row[1]),
            sealed_password=row[2],
            outcome=Outcome(row[3]) if row[3] else None,
            error=row[4],
            finished_at=datetime.fromisoformat(row[5]) if row[5] else None,
            attempts=row[6],
        )

    def start(self, order: Order, sealed_password: bytes) -> JournalEntry:
        """Record a deployment attempt; the first one fixes the password for all retries."""
        now = time.time()
        with self._lock:
            self._db.execute(
                "INSERT INTO orders (order_id, registration_id, verb, seat, state,"
                " sealed_password, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT(order_id) DO NOTHING",
                (
                    order.order_id,
                    order.registration_id or "",  # a PREPARE is about a seat only
                    order.verb.value,
                    order.seat,
                    JournalState.STARTED.value,
                    sealed_password,
                    now,
                    now,
                ),
            )
            self._db.execute(
                "UPDATE orders SET attempts = attempts + 1, updated_at = ? WHERE order_id = ?",
                (now, order.order_id),
            )
        entry = self.get(order.order_id)
        assert entry is not None
        return entry

    def deployed(
        self,
        order_id: str,
        outcome: Outcome,
        error: str | None,
        finished_at: datetime,
        keep_password: bool,
    ) -> None:
        """The work is done; only a password still to be reported stays (sealed)."""
        with self._lock:
            self._db.execute(
                "UPDATE orders SET state = ?, outcome = ?, error = ?, finished_at = ?,"
                " sealed_password = CASE WHEN ? THEN sealed_password ELSE NULL END,"
                " updated_at = ? WHERE order_id = ?",
                (
                    JournalState.DEPLOYED.value,
                    outcome.value,
                    error,
                    finished_at.isoformat(),
                    keep_password,
                    time.time(),
                    order_id,
                ),
            )

    def reported(self, order_id: str) -> None:
        """The API has the callback: erase the password for good."""
        now = time.time()
        with self._lock:
            self._db.execute(
                "UPDATE orders SET state = ?, sealed_password = NULL, updated_at = ?"
                " WHERE order_id = ?",
                (JournalState.REPORTED.value, now, order_id),
            )
            # Keep the journal small: a message is never redelivered after its retention.
            self._db.execute(
                "DELETE FROM orders WHERE state = ? AND updated_at < ?",
                (JournalState.REPORTED.value, now - RETENTION_SECONDS),
            )

    # -- warm seats ----------------------------------------------------------------------------

    def warm_prepared(self, seat: str, warm: WarmSeat) -> None:
        """The seat was prepared (a later PREPARE of it replaces this)."""
        with self._lock:
            self._db.execute(
                "INSERT OR REPLACE INTO warm_seats (seat, workshop_id, fingerprint, files, server,"
                " prepared_at) VALUES (?, ?, ?, ?, ?, ?)",
                (
                    seat,
                    warm.workshop_id,
                    warm.fingerprint,
                    json.dumps(list(warm.files)),
                    int(warm.server),
                    time.time(),
                ),
            )

    def warm_seat(self, seat: str) -> WarmSeat | None:
        with self._lock:
            row = self._db.execute(
                "SELECT workshop_id, fingerprint, files, server FROM warm_seats WHERE seat = ?",
                (seat,),
            ).fetchone()
        if row is None:
            return None
        return WarmSeat(row[0], row[1], tuple(json.loads(row[2])), bool(row[3]))

    def warm_forget(self, seat: str) -> None:
        """The seat is no longer as prepared (handed out, wiped or being prepared again)."""
        with self._lock:
            self._db.execute("DELETE FROM warm_seats WHERE seat = ?", (seat,))
