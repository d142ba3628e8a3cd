"""The local gateway's emulation of the HTTP API's route throttles (token buckets)."""

from __future__ import annotations

from wod.local.gateway import CALLBACK_ROUTE, Throttles, TokenBucket


def test_a_bucket_gives_its_burst_then_refuses() -> None:
    bucket = TokenBucket.parse("0.001:3")
    assert [bucket.take() for _ in range(5)] == [True, True, True, False, False]


def test_the_callback_route_has_its_own_bucket_or_shares_the_public_one() -> None:
    own = Throttles(TokenBucket.parse("0.001:1"), TokenBucket.parse("0.001:2"))
    assert own.allows("GET", "/api/workshops") and not own.allows("GET", "/api/workshops")
    assert own.allows("POST", CALLBACK_ROUTE) and own.allows("POST", CALLBACK_ROUTE)
    shared = Throttles(TokenBucket.parse("0.001:1"))
    assert shared.allows("GET", "/api/workshops")
    assert not shared.allows("POST", CALLBACK_ROUTE)
