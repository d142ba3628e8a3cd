"""The registration's proof of work: issued, solved, checked (pure), spent once."""

from __future__ import annotations

import base64
import json
from dataclasses import asdict
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.support.altcha import solution_for
from tests.support.clock import Clock
from tests.support.memory import MemoryLimits, MemoryTables
from wod.domain.errors import ChallengeError
from wod.services.challenges import Challenges, challenge_key

START = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)


def challenges(clock: Clock, key: bytes = b"k", max_number: int = 500) -> Challenges:
    return Challenges(
        key=challenge_key(key),
        once=MemoryLimits(MemoryTables()),
        clock=clock,
        max_number=max_number,
        lifetime_seconds=600,
    )


def solved(service: Challenges) -> str:
    return solution_for(asdict(service.issue()))


def test_a_reused_solution_is_refused() -> None:
    service = challenges(Clock(START))
    payload = solved(service)
    service.spend(service.check(payload))  # accepted the first time
    with pytest.raises(ChallengeError, match="used already"):
        service.spend(service.check(payload))
    service.spend(service.check(solved(service)))  # a new one is fine


def test_an_expired_challenge_is_refused() -> None:
    clock = Clock(START)
    service = challenges(clock)
    payload = solved(service)
    clock.now += timedelta(seconds=601)
    with pytest.raises(ChallengeError, match="expired"):
        service.check(payload)


def test_a_wrong_number_or_another_key_is_refused() -> None:
    service = challenges(Clock(START))
    fields = json.loads(base64.b64decode(solved(service)))
    wrong = {**fields, "number": fields["number"] + 1}
    with pytest.raises(ChallengeError, match="wrong"):
        service.check(base64.b64encode(json.dumps(wrong).encode()).decode())
    with pytest.raises(ChallengeError, match="wrong"):
        challenges(Clock(START), key=b"other").check(solved(service))


def test_the_expiry_cannot_be_moved() -> None:
    service = challenges(Clock(START))
    fields = json.loads(base64.b64decode(solved(service)))
    later = fields["salt"].replace("expires=", "expires=9")
    forged = {**fields, "salt": later}
    with pytest.raises(ChallengeError):
        service.check(base64.b64encode(json.dumps(forged).encode()).decode())


@given(
    st.one_of(
        st.text(max_size=300), st.binary(max_size=200).map(lambda b: base64.b64encode(b).decode())
    )
)
def test_any_garbage_is_a_challenge_error_never_another(payload: str) -> None:
    with pytest.raises(ChallengeError):
        challenges(Clock(START)).check(payload)


@given(
    st.dictionaries(
        st.sampled_from(["algorithm", "challenge", "number", "salt", "signature", "x"]),
        st.one_of(
            st.none(),
            st.booleans(),
            st.integers(),
            st.text(max_size=20),
            st.lists(st.integers(), max_size=2),
        ),
    )
)
def test_any_json_object_is_a_challenge_error_never_another(fields: dict[str, object]) -> None:
    payload = base64.b64encode(json.dumps(fields).encode()).decode()
    with pytest.raises(ChallengeError):
        challenges(Clock(START)).check(payload)


def test_the_challenge_carries_its_difficulty_and_expiry() -> None:
    issued = challenges(Clock(START), max_number=12345).issue()
    assert issued.maxnumber == 12345 and issued.algorithm == "SHA-256"
    assert f"expires={int((START + timedelta(seconds=600)).timestamp())}" in issued.salt
