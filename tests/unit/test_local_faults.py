"""The local endpoint's fault switch: which requests get a fault, and how each is answered."""

from __future__ import annotations

import json

from wod.local.faults import FaultSwitch, service_of


def signed_for(service: str) -> dict[str, str]:
    scope = f"local/20261202/us-east-1/{service}/aws4_request"
    return {"HTTP_AUTHORIZATION": f"AWS4-HMAC-SHA256 Credential={scope}, SignedHeaders=host"}


def test_the_service_is_read_from_the_signature_scope() -> None:
    assert service_of(signed_for("dynamodb")) == "dynamodb"
    assert service_of({}) is None


def test_every_nth_request_of_the_service_only_gets_the_fault() -> None:
    switch = FaultSwitch()
    switch.configure(json.dumps({"service": "dynamodb", "mode": "throttle", "every": 3}).encode())
    answers = [switch.inject(signed_for("dynamodb")) for _ in range(6)]
    assert [a is not None for a in answers] == [False, False, True, False, False, True]
    status, _, body = answers[2]  # type: ignore[misc]
    assert status.startswith("400") and b"ProvisionedThroughputExceededException" in body
    assert switch.inject(signed_for("sqs")) is None  # other services are served


def test_switching_off_serves_again_and_keeps_the_count() -> None:
    switch = FaultSwitch()
    switch.configure(b'{"service": "ses", "mode": "fail"}')
    status, headers, _ = switch.inject(signed_for("ses")) or ("", [], b"")
    assert status.startswith("400") and ("x-amzn-ErrorType", "MessageRejected") in headers
    switch.configure(b'{"service": "ses", "mode": "off"}')
    assert switch.inject(signed_for("ses")) is None
    assert switch.status() == {"on": {}, "injected": {"ses": 1}}
