"""Pure parts of the organizer's console: the gateway's SigV4 check, the client's defaults, the
status figures and the report's series."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from botocore.credentials import ReadOnlyCredentials

from wod.domain.console import percentile
from wod.local import iam
from wod.local.stack import LOCAL_CREDENTIALS
from wod_admin.client import DEMO_CREDENTIALS, AdminClient, region_of
from wod_admin.report import Session, registrations_series, seats_in_use

T0 = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
KNOWN = {"local": "local"}


def signed(
    path: str = "registrations?state=ready&workshop=a", body: bytes = b""
) -> tuple[str, dict[str, str]]:
    client = AdminClient(
        "http://127.0.0.1:8080/", ReadOnlyCredentials("local", "local", None), "us-east-1"
    )
    url = f"{client.base_url}api/admin/{path}"
    headers = {k.lower(): v for k, v in client.signed("POST", url, body).items()}
    headers["host"] = "127.0.0.1:8080"
    return url, headers


def test_the_demo_credentials_are_the_local_stacks() -> None:
    assert (
        LOCAL_CREDENTIALS["AWS_ACCESS_KEY_ID"],
        LOCAL_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
    ) == DEMO_CREDENTIALS


def test_the_region_is_the_apis_own() -> None:
    assert region_of("https://abc123.execute-api.eu-west-3.amazonaws.com/") == "eu-west-3"
    assert (
        region_of("https://abc123.execute-api.eu-west-3.amazonaws.com/", "us-east-2") == "us-east-2"
    )


def test_a_signature_made_by_botocore_is_verified_and_names_the_caller() -> None:
    url, headers = signed(body=b'{"minutes": 5}')
    caller = iam.verify("POST", url, headers, b'{"minutes": 5}', KNOWN)
    assert caller["accessKey"] == "local" and caller["userArn"].endswith(":user/local")


@pytest.mark.parametrize(
    "change",
    ["method", "path", "query", "body", "secret", "date", "unsigned"],
)
def test_any_change_to_a_signed_request_is_refused(change: str) -> None:
    url, headers = signed(body=b"{}")
    method, body, known = "POST", b"{}", KNOWN
    if change == "method":
        method = "PUT"
    elif change == "path":
        url = url.replace("registrations", "sync")
    elif change == "query":
        url = url.replace("state=ready", "state=ended")
    elif change == "body":
        body = b'{"x": 1}'
    elif change == "secret":
        known = {"local": "other"}
    elif change == "date":
        headers["x-amz-date"] = (datetime.now(UTC) - timedelta(hours=1)).strftime("%Y%m%dT%H%M%SZ")
    elif change == "unsigned":
        headers.pop("authorization")
    with pytest.raises(iam.SignatureRejectedError):
        iam.verify(method, url, headers, body, known)


def test_percentiles_are_nearest_rank() -> None:
    assert percentile([], 0.5) is None
    assert percentile([3.0, 1.0, 2.0], 0.5) == 2.0
    assert percentile([float(i) for i in range(1, 101)], 0.95) == 95.0


def test_seats_in_use_rise_and_fall_and_run_on_to_now() -> None:
    def session(start: int, end: int | None) -> Session:
        return Session("w", "ended" if end else "ready", T0 + timedelta(minutes=start), None,
                       T0 + timedelta(minutes=end) if end else None, None)  # fmt: skip

    times, counts = seats_in_use([session(0, 30), session(10, None)], "w", T0 + timedelta(hours=1))
    assert counts == [1, 2, 1, 1]
    assert times[-1] == T0 + timedelta(hours=1)


def test_registrations_run_from_zero_to_now() -> None:
    one = Session("w", "ready", T0, None, None, None)
    times, counts = registrations_series([one], "w", T0 + timedelta(hours=1))
    assert counts == [0, 1, 1] and times == [T0, T0, T0 + timedelta(hours=1)]
    assert registrations_series([one], "other", T0) == ([], [])
