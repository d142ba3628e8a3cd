"""The registration's proof of work, ALTCHA protocol v1 (https://altcha.org/docs/v1): a signed,
expiring challenge for the form to solve, and its solution checked, then spent once, before a
registration writes anything. Called by `GET /api/challenge` and `POST /api/registrations`.

A challenge is `{algorithm, challenge, maxnumber, salt, signature}`: find the number n in
[0, maxnumber] with SHA-256(salt + n) == challenge (hex). The solution is the base64 of the JSON
`{algorithm, challenge, number, salt, signature}`. The salt carries the expiry
(`…?expires=<unix time>&`), which the signature covers, so nothing is stored for a challenge.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal, cast
from urllib.parse import parse_qs

from altcha.v1 import ChallengeOptions, create_challenge, verify_solution

from wod.domain.errors import ChallengeError

from .ports import Clock, OneTimeGuards

ALGORITHM: Literal["SHA-256"] = "SHA-256"
SOLUTION_FIELDS: dict[str, type] = {
    "algorithm": str,
    "challenge": str,
    "number": int,
    "salt": str,
    "signature": str,
}


def challenge_key(token_key: bytes) -> bytes:
    """The HMAC key of the challenges: derived from the token key (one secret to keep), and
    apart from it (a challenge's signature never doubles as a token)."""
    return hmac.new(token_key, b"wod altcha challenge key", hashlib.sha256).hexdigest().encode()


def decode_solution(payload: str) -> dict[str, Any]:
    """The fields of a solution, each of its type; ChallengeError for anything else."""
    try:
        fields = json.loads(base64.b64decode(payload, validate=True))
    except (ValueError, binascii.Error) as exc:
        raise ChallengeError("not an ALTCHA solution (base64 of a JSON object)") from exc
    if not isinstance(fields, dict):
        raise ChallengeError("not an ALTCHA solution (base64 of a JSON object)")
    for name, kind in SOLUTION_FIELDS.items():
        value = fields.get(name)
        if not isinstance(value, kind) or isinstance(value, bool):
            raise ChallengeError(f"the solution has no valid `{name}`")
    if fields["algorithm"] != ALGORITHM:
        raise ChallengeError(f"the solution's algorithm is not {ALGORITHM}")
    return fields


@dataclass(frozen=True)
class Challenge:
    algorithm: str
    challenge: str
    maxnumber: int
    salt: str
    signature: str
    expires_at: datetime


@dataclass(frozen=True)
class Solution:
    """A checked solution, not spent yet."""

    signature: str
    expires_at: datetime


class Challenges:
    def __init__(
        self,
        *,
        key: bytes,
        once: OneTimeGuards,
        clock: Clock,
        max_number: int,
        lifetime_seconds: int,
    ) -> None:
        self._key = key
        self._once = once
        self._clock = clock
        self._max_number = max_number
        self._lifetime = timedelta(seconds=lifetime_seconds)

    def issue(self) -> Challenge:
        # Whole seconds: the salt's `expires` is a Unix time, and the widget compares it too.
        expires_at = (self._clock() + self._lifetime).replace(microsecond=0)
        made = create_challenge(
            ChallengeOptions(
                algorithm=ALGORITHM,
                max_number=self._max_number,
                hmac_key=self._key.decode(),
                expires=expires_at,
            )
        )
        return Challenge(
            algorithm=made.algorithm,
            challenge=made.challenge,
            maxnumber=made.max_number,
            salt=made.salt,
            signature=made.signature,
            expires_at=expires_at,
        )

    def check(self, payload: str) -> Solution:
        """The solution if it is one of ours, solved and not expired (pure: nothing written).
        Raises ChallengeError naming what is wrong."""
        fields = decode_solution(payload)
        expires = parse_qs(fields["salt"].partition("?")[2]).get("expires", [""])[0]
        if not expires.isdigit():
            raise ChallengeError("the solution is wrong")
        solved, problem = verify_solution(
            cast(Any, fields), self._key.decode(), check_expires=False
        )
        if problem or not solved:
            raise ChallengeError("the solution is wrong")
        expires_at = datetime.fromtimestamp(int(expires), tz=UTC)
        if expires_at <= self._clock():
            raise ChallengeError("the challenge has expired: fetch a new one")
        return Solution(signature=fields["signature"], expires_at=expires_at)

    def spend(self, solution: Solution) -> None:
        """Accept a checked solution once. Raises ChallengeError if it was used before."""
        if not self._once.use_once(f"altcha#{solution.signature}", solution.expires_at):
            raise ChallengeError("this solution was used already: solve a new challenge")
