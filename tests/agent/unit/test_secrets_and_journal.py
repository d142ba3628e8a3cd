"""Passwords, their sealing, and the journal's states."""

# ruff: noqa: TID252
from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from wod_agent.journal import Journal, JournalState
from wod_agent.secrets_box import SecretBox, new_password
from wod_contracts.callbacks import Outcome
from wod_contracts.orders import OrderVerb

# Relative imports: tests/ is not a package, so `tests.agent` has no importable name.
from ..peers import make_order


def test_passwords_are_long_random_and_mixed() -> None:
    passwords = {new_password().get_secret_value() for _ in range(200)}
    assert len(passwords) == 200
    for password in passwords:
        assert len(password) >= 12
        assert any(c.isupper() for c in password) and any(c.isdigit() for c in password)
    with pytest.raises(ValueError, match="12"):
        new_password(8)


def test_sealed_passwords_open_only_with_the_same_secret() -> None:
    password = new_password()
    token = SecretBox(b"secret-one").seal(password)
    assert password.get_secret_value().encode() not in token
    assert SecretBox(b"secret-one").open(token) == password
    with pytest.raises(ValueError, match="decrypt"):
        SecretBox(b"secret-two").open(token)


def test_journal_keeps_the_password_until_reported(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "journal.sqlite")
    order = make_order(OrderVerb.CREATE, 3, "WOD-U")
    entry = journal.start(order, b"sealed")
    assert entry.state is JournalState.STARTED and entry.attempts == 1
    again = journal.start(order, b"other")  # a retry keeps the first password
    assert again.sealed_password == b"sealed" and again.attempts == 2
    journal.deployed(order.order_id, Outcome.SUCCEEDED, None, datetime.now(UTC), True)
    reopened = Journal(tmp_path / "journal.sqlite").get(order.order_id)  # survives a restart
    assert reopened is not None
    assert reopened.state is JournalState.DEPLOYED and reopened.sealed_password == b"sealed"
    journal.reported(order.order_id)
    done = journal.get(order.order_id)
    assert done is not None and done.state is JournalState.REPORTED
    assert done.sealed_password is None
    assert (tmp_path / "journal.sqlite").stat().st_mode & 0o077 == 0


def test_failed_or_non_create_orders_drop_the_password_when_deployed(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "journal.sqlite")
    order = make_order(OrderVerb.CLEANUP, 3, "WOD-U")
    journal.start(order, b"sealed")
    journal.deployed(order.order_id, Outcome.SUCCEEDED, None, datetime.now(UTC), False)
    entry = journal.get(order.order_id)
    assert entry is not None and entry.sealed_password is None
