"""The order state machine with fakes: idempotency, replays, refusals and the last receive."""

# ruff: noqa: TID252
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from wod_agent.crash_points import CrashPoints
from wod_agent.journal import Journal, JournalState
from wod_agent.ports import Delivery, DeploymentError, PermanentOrderError
from wod_agent.secrets_box import SecretBox, new_password
from wod_agent.service import Disposition, OrderService
from wod_contracts.orders import OrderVerb

# Relative imports: tests/ is not a package, so `tests.agent` has no importable name.
from ..peers import make_order
from .fakes import FakeCallbacks, FakeDeployer, FakeHub, delivery

SECRET = b"a-callback-secret-for-unit-tests"


class Rig:
    def __init__(self, tmp_path: Path, max_receives: int = 3) -> None:
        self.journal = Journal(tmp_path / "journal.sqlite")
        self.steps: list[str] = []
        self.deployer = FakeDeployer(steps=self.steps)
        self.hub = FakeHub(steps=self.steps)
        self.callbacks = FakeCallbacks()
        self.service = OrderService(
            self.journal, SecretBox(SECRET), self.hub, self.deployer, self.callbacks, max_receives
        )


@pytest.fixture
def rig(tmp_path: Path) -> Rig:
    return Rig(tmp_path)


def test_create_deploys_opens_the_hub_user_and_reports_the_password(rig: Rig) -> None:
    order = make_order(OrderVerb.CREATE, 7, "WOD-U")
    assert rig.service.handle(delivery(order)) is Disposition.DONE
    [callback] = rig.callbacks.sent
    assert callback.password is not None
    assert callback.password.get_secret_value() == rig.deployer.calls[0][1]
    # The hub user is forgotten again once the seat is locked: a login with the old password
    # between the first retire and the lock must not leave a session in the new seat.
    assert rig.steps == ["retire student7", "deploy student7", "retire student7", "open student7"]
    entry = rig.journal.get(order.order_id)
    assert entry is not None and entry.state is JournalState.REPORTED
    assert entry.sealed_password is None


def test_redelivered_order_is_neither_redeployed_nor_reported_again(rig: Rig) -> None:
    order = make_order(OrderVerb.CREATE, 7, "WOD-U")
    rig.service.handle(delivery(order))
    assert rig.service.handle(delivery(order, receive_count=2)) is Disposition.DONE
    assert len(rig.deployer.calls) == 1
    assert len(rig.callbacks.sent) == 1


def test_deployed_but_unreported_order_resends_the_same_password(rig: Rig) -> None:
    order = make_order(OrderVerb.CREATE, 7, "WOD-U")
    rig.callbacks.answers = [Delivery.UNAVAILABLE]
    assert rig.service.handle(delivery(order)) is Disposition.RETRY
    assert rig.service.handle(delivery(order, receive_count=2)) is Disposition.DONE
    first, second = rig.callbacks.sent
    assert len(rig.deployer.calls) == 1
    assert first.to_wire() == second.to_wire()


def test_a_retried_deployment_keeps_the_first_password(rig: Rig) -> None:
    order = make_order(OrderVerb.CREATE, 7, "WOD-U")
    rig.deployer.failures = [DeploymentError("flaky")]
    assert rig.service.handle(delivery(order)) is Disposition.RETRY
    assert rig.callbacks.sent == []
    assert rig.service.handle(delivery(order, receive_count=2)) is Disposition.DONE
    (_, first), (_, second) = rig.deployer.calls
    assert first == second


def test_conflict_means_done(rig: Rig) -> None:
    order = make_order(OrderVerb.CLEANUP, 7, "WOD-U")
    rig.callbacks.answers = [Delivery.NOT_CURRENT]
    assert rig.service.handle(delivery(order)) is Disposition.DONE
    entry = rig.journal.get(order.order_id)
    assert entry is not None and entry.state is JournalState.REPORTED


def test_refused_callback_keeps_the_message_then_leaves_it_to_the_dlq(rig: Rig) -> None:
    order = make_order(OrderVerb.CLEANUP, 7, "WOD-U")
    rig.callbacks.answers = [Delivery.REJECTED, Delivery.REJECTED]
    assert rig.service.handle(delivery(order)) is Disposition.RETRY
    assert rig.service.handle(delivery(order, receive_count=3)) is Disposition.TO_DLQ
    assert len(rig.deployer.calls) == 1


def test_failure_on_the_last_receive_is_reported_and_dead_lettered(rig: Rig) -> None:
    order = make_order(OrderVerb.CREATE, 7, "WOD-U")
    rig.deployer.failures = [DeploymentError("disk full")]
    assert rig.service.handle(delivery(order, receive_count=3)) is Disposition.TO_DLQ
    [callback] = rig.callbacks.sent
    assert callback.outcome.value == "failed"
    assert callback.password is None
    assert callback.error == "gave up after 3 attempts: disk full"


def test_permanent_error_is_reported_at_once(rig: Rig) -> None:
    order = make_order(OrderVerb.CREATE, 7, "WOD-GONE")
    rig.deployer.failures = [PermanentOrderError("workshop WOD-GONE is not on this backend")]
    assert rig.service.handle(delivery(order)) is Disposition.DONE
    assert rig.callbacks.sent[0].outcome.value == "failed"
    assert rig.hub.opened == []


def test_expired_create_deploys_nothing(rig: Rig) -> None:
    order = make_order(OrderVerb.CREATE, 7, "WOD-U")
    late = order.model_copy(update={"ends_at": datetime.now(UTC) - timedelta(minutes=1)})
    assert rig.service.handle(delivery(late)) is Disposition.DONE
    assert rig.deployer.calls == []
    assert rig.callbacks.sent[0].error == "the session ended before the seat was ready"


def test_cleanup_reports_no_password(rig: Rig) -> None:
    order = make_order(OrderVerb.CLEANUP, 7, "WOD-U")
    rig.service.handle(delivery(order))
    assert rig.callbacks.sent[0].password is None
    assert rig.deployer.calls  # a new random password was still set, just never reported
    assert rig.hub.opened == []


def test_unreadable_message_goes_to_the_dlq_on_its_last_receive(rig: Rig) -> None:
    message = delivery(make_order(OrderVerb.CREATE, 7, "WOD-U"))
    broken = type(message)(message.message_id, message.receipt_handle, "{}", 3, message.sent_at)
    assert rig.service.handle(broken) is Disposition.TO_DLQ
    assert rig.callbacks.sent == []


# -- warm seats ------------------------------------------------------------------------------


def test_a_prepare_deploys_the_seat_locked_and_reports_it_without_a_password(rig: Rig) -> None:
    order = make_order(OrderVerb.PREPARE, 7, "WOD-U")
    assert rig.service.handle(delivery(order)) is Disposition.DONE
    [callback] = rig.callbacks.sent
    assert callback.password is None and callback.registration_id is None
    assert (callback.workshop_id, callback.student) == ("WOD-U", 7)
    assert rig.deployer.prepared == [order.order_id] and rig.deployer.calls == []
    assert rig.hub.retired == ["student7"] * 2 and rig.hub.opened == []  # no warm_server
    assert rig.journal.warm_seat(order.seat) is not None
    assert [p.order_id for p in rig.callbacks.progress] == [order.order_id]


def test_a_prepare_of_a_warm_server_workshop_leaves_the_server_running(rig: Rig) -> None:
    rig.deployer.server = True
    rig.service.handle(delivery(make_order(OrderVerb.PREPARE, 7, "WOD-U")))
    assert rig.hub.opened == ["student7"] and rig.hub.waited == [True]


def test_a_create_on_a_warm_seat_only_sets_the_password(rig: Rig) -> None:
    rig.service.handle(delivery(make_order(OrderVerb.PREPARE, 7, "WOD-U")))
    create = make_order(OrderVerb.CREATE, 7, "WOD-U")
    assert rig.service.handle(delivery(create)) is Disposition.DONE
    [(order_id, password)] = rig.deployer.activated
    assert order_id == create.order_id and rig.deployer.calls == []  # no full deployment
    assert rig.callbacks.sent[-1].password is not None
    assert rig.callbacks.sent[-1].password.get_secret_value() == password
    assert rig.hub.retired == ["student7"] * 2  # by the PREPARE only
    assert rig.hub.opened == ["student7"] and rig.hub.waited == [False]
    assert rig.journal.warm_seat(create.seat) is None  # handed out: warm no more
    assert [p.verb for p in rig.callbacks.progress] == [OrderVerb.PREPARE]  # none for a warm one


def test_a_warm_seat_no_longer_as_prepared_is_deployed_in_full(rig: Rig) -> None:
    rig.service.handle(delivery(make_order(OrderVerb.PREPARE, 7, "WOD-U")))
    rig.deployer.intact = False  # e.g. a file of the seat is gone
    create = make_order(OrderVerb.CREATE, 7, "WOD-U")
    rig.service.handle(delivery(create))
    assert rig.deployer.activated == [] and [c[0] for c in rig.deployer.calls] == [create.order_id]
    assert rig.hub.retired == ["student7"] * 4  # the PREPARE's two, the full CREATE's two


def test_a_warm_seat_of_another_workshop_is_not_handed_out(rig: Rig) -> None:
    rig.service.handle(delivery(make_order(OrderVerb.PREPARE, 7, "WOD-OTHER")))
    rig.service.handle(delivery(make_order(OrderVerb.CREATE, 7, "WOD-U")))
    assert rig.deployer.activated == [] and len(rig.deployer.calls) == 1


def test_a_cleanup_makes_a_prepared_seat_cold(rig: Rig) -> None:
    prepare = make_order(OrderVerb.PREPARE, 7, "WOD-U")
    rig.service.handle(delivery(prepare))
    rig.service.handle(delivery(make_order(OrderVerb.CLEANUP, 7, "WOD-U")))
    assert rig.journal.warm_seat(prepare.seat) is None
    rig.service.handle(delivery(make_order(OrderVerb.CREATE, 7, "WOD-U")))
    assert rig.deployer.activated == []


def test_a_prepare_that_fails_leaves_the_seat_cold(rig: Rig) -> None:
    prepare = make_order(OrderVerb.PREPARE, 7, "WOD-U")
    rig.deployer.failures = [PermanentOrderError("setup.yml failed")]
    rig.service.handle(delivery(prepare))
    assert rig.callbacks.sent[-1].outcome.value == "failed"
    assert rig.journal.warm_seat(prepare.seat) is None


def test_a_prepare_interrupted_before_it_finished_is_redone_not_trusted(rig: Rig) -> None:
    """Killed mid-PREPARE: the journal says started; the redelivery prepares again."""
    prepare = make_order(OrderVerb.PREPARE, 7, "WOD-U")
    rig.journal.start(prepare, SecretBox(SECRET).seal(new_password()))
    assert rig.journal.warm_seat(prepare.seat) is None
    rig.service.handle(delivery(prepare, receive_count=2))
    assert rig.deployer.prepared == [prepare.order_id]
    assert rig.journal.warm_seat(prepare.seat) is not None


@pytest.mark.parametrize("verb", [OrderVerb.CLEANUP, OrderVerb.RESET])
def test_an_ending_seat_has_no_hub_user_left_after_its_lock(rig: Rig, verb: OrderVerb) -> None:
    rig.service.handle(delivery(make_order(verb, 7, "WOD-U")))
    assert rig.steps == ["retire student7", "deploy student7", "retire student7"]


def test_a_reissue_sets_a_fresh_password_on_the_seat_as_it_is(rig: Rig) -> None:
    create = make_order(OrderVerb.CREATE, 7, "WOD-U")
    rig.service.handle(delivery(create))
    reissue = make_order(OrderVerb.REISSUE, 7, "WOD-U")
    rig.callbacks.answers = [Delivery.UNAVAILABLE]  # the API could not mail it yet
    assert rig.service.handle(delivery(reissue)) is Disposition.RETRY
    assert rig.service.handle(delivery(reissue, receive_count=2)) is Disposition.DONE
    [(order_id, password)] = rig.deployer.reissued
    assert order_id == reissue.order_id and password != rig.deployer.calls[0][1]
    first, second = rig.callbacks.sent[-2:]
    assert second.password is not None and second.password.get_secret_value() == password
    assert first.to_wire() == second.to_wire()  # the retry carries the same password
    # Nothing else happens to the seat: no playbook, the server keeps running.
    assert rig.steps[-1] == "reissue student7" and rig.steps.count("deploy student7") == 1


class Killed(Exception):
    """Stands for the process exit of a crash point."""


@pytest.mark.parametrize("point", ["taken", "deployed", "reported"])
def test_a_crash_point_fires_once_and_the_redelivery_recovers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, point: str
) -> None:
    def exit_now(code: int) -> None:
        raise Killed(code)

    monkeypatch.setattr("wod_agent.crash_points.os._exit", exit_now)
    rig = Rig(tmp_path)
    rig.service = OrderService(
        rig.journal,
        SecretBox(SECRET),
        rig.hub,
        rig.deployer,
        rig.callbacks,
        3,
        crash=CrashPoints([f"CREATE:{point}"], tmp_path),
    )
    order = make_order(OrderVerb.CREATE, 7, "WOD-U")
    with pytest.raises(Killed):
        rig.service.handle(delivery(order))
    assert rig.service.handle(delivery(order, receive_count=2)) is Disposition.DONE
    passwords = {c.password.get_secret_value() for c in rig.callbacks.sent if c.password}
    assert len(passwords) == 1  # one password, however often the order was carried out
    assert len(rig.deployer.calls) == 1  # never deployed twice


def test_a_crash_point_must_name_a_verb_and_a_step() -> None:
    with pytest.raises(ValueError, match="VERB:point"):
        CrashPoints(["CREATE:somewhere"], Path("/nonexistent"))
