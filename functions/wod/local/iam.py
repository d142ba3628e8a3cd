"""The HTTP API's IAM authorizer, as the local gateway emulates it for `/api/admin/...`.

A request must carry a SigV4 signature (service `execute-api`) made with credentials the local
stack knows (its test credentials); the signature is computed again with botocore's own signer
from what was received and compared. As API Gateway does, a missing, malformed, stale or wrong
signature is a 403 and the function is never called; a good one puts the caller's identity in
the event's `requestContext.authorizer.iam`.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

ALGORITHM = "AWS4-HMAC-SHA256"
SERVICE = "execute-api"
# API Gateway refuses a signature dated more than 15 minutes from its clock ("Signature expired").
MAX_SKEW = timedelta(minutes=15)
LOCAL_ACCOUNT = "000000000000"


class SignatureRejectedError(Exception):
    """Why a request is refused (logged by the gateway; the caller only gets 403)."""


@dataclass(frozen=True)
class Authorization:
    access_key: str
    date: str
    region: str
    service: str
    signed_headers: tuple[str, ...]
    signature: str


def parse_authorization(header: str) -> Authorization:
    algorithm, _, rest = header.strip().partition(" ")
    if algorithm != ALGORITHM:
        raise SignatureRejectedError("not a SigV4 authorization")
    fields: dict[str, str] = {}
    for part in rest.split(","):
        key, _, value = part.strip().partition("=")
        fields[key] = value
    try:
        access_key, date, region, service, terminal = fields["Credential"].split("/")
        signed = tuple(fields["SignedHeaders"].split(";"))
        signature = fields["Signature"]
    except (KeyError, ValueError) as exc:
        raise SignatureRejectedError("malformed authorization") from exc
    if terminal != "aws4_request" or "host" not in signed:
        raise SignatureRejectedError("malformed credential scope")
    return Authorization(access_key, date, region, service, signed, signature)


def verify(
    method: str,
    url: str,
    headers: Mapping[str, str],
    body: bytes,
    known: Mapping[str, str],
    now: datetime | None = None,
) -> dict[str, Any]:
    """The caller's identity (`requestContext.authorizer.iam`) if the request is signed by one
    of the `known` access keys (key id -> secret); SignatureRejectedError otherwise. `headers`
    are the received ones, names in lower case."""
    auth = parse_authorization(headers.get("authorization", ""))
    if auth.service != SERVICE:
        raise SignatureRejectedError(f"signed for {auth.service}, not {SERVICE}")
    secret = known.get(auth.access_key)
    if secret is None:
        raise SignatureRejectedError("unknown access key")
    amz_date = headers.get("x-amz-date", "")
    try:
        signed_at = datetime.strptime(amz_date, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    except ValueError as exc:
        raise SignatureRejectedError("no or bad X-Amz-Date") from exc
    if amz_date[:8] != auth.date:
        raise SignatureRejectedError("credential date is not the request's")
    if abs((now or datetime.now(UTC)) - signed_at) > MAX_SKEW:
        raise SignatureRejectedError("signature expired")
    claimed_hash = headers.get("x-amz-content-sha256")
    if claimed_hash is not None and claimed_hash != hashlib.sha256(body).hexdigest():
        raise SignatureRejectedError("body does not match its hash")
    missing = [name for name in auth.signed_headers if name not in headers]
    if missing:
        raise SignatureRejectedError(f"signed headers missing: {missing}")
    # The request again, with exactly the headers the caller signed, signed by botocore.
    request = AWSRequest(
        method=method,
        url=url,
        headers={name: headers[name] for name in auth.signed_headers},
        data=body,
    )
    request.context["timestamp"] = amz_date
    signer = SigV4Auth(Credentials(auth.access_key, secret), auth.service, auth.region)
    canonical = signer.canonical_request(request)
    expected = signer.signature(signer.string_to_sign(request, canonical), request)
    if not hmac.compare_digest(expected, auth.signature):
        raise SignatureRejectedError("signature does not match")
    return {
        "accessKey": auth.access_key,
        "accountId": LOCAL_ACCOUNT,
        "callerId": auth.access_key,
        "principalOrgId": None,
        "userArn": f"arn:aws:iam::{LOCAL_ACCOUNT}:user/{auth.access_key}",
        "userId": auth.access_key,
    }
