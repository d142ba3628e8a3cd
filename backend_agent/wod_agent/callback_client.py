"""`CallbackClient` over HTTPS: signs `AgentCallback.to_wire()` and maps the API's answers.

Network errors and 5xx are retried a few times here; 401/403/422 are not (they will not heal
by themselves: the message stays and the queue's redrive decides).
"""

from __future__ import annotations

import logging
import threading
import time

import requests

from wod_contracts.callbacks import AgentCallback
from wod_contracts.signing import signed_headers

from .ports import Delivery

log = logging.getLogger(__name__)
CALLBACK_PATH = "/agent/callbacks"


class SignedCallbackClient:
    def __init__(
        self,
        api_url: str,
        secret: bytes,
        session: requests.Session | None = None,
        attempts: int = 3,
        backoff_seconds: float = 1.0,
        timeout_seconds: float = 15.0,
    ) -> None:
        self.url = api_url.rstrip("/") + CALLBACK_PATH
        self._secret = secret
        self._session = session or requests.Session()
        self._attempts = attempts
        self._backoff = backoff_seconds
        self._timeout = timeout_seconds
        self._last_signed: dict[str, int] = {}  # order id -> timestamp of its last signature
        self._lock = threading.Lock()

    def _fresh_timestamp(self, order_id: str) -> int:
        """A timestamp never used before for this order: the API keys replays on the signature,
        and the same body signed in the same second would be taken for a replay."""
        while True:
            now = int(time.time())
            with self._lock:
                if self._last_signed.get(order_id, -1) < now:
                    self._last_signed[order_id] = now
                    for key, stamp in list(self._last_signed.items()):
                        if stamp < now - 600:
                            del self._last_signed[key]
                    return now
            time.sleep(1.0 - time.time() % 1.0 + 0.01)

    def send(self, callback: AgentCallback) -> Delivery:
        body = callback.to_wire().encode()
        for attempt in range(1, self._attempts + 1):
            # Signed afresh each attempt: the API refuses a signature it has already seen.
            timestamp = self._fresh_timestamp(callback.order_id)
            headers = signed_headers(self._secret, timestamp, body)
            headers["content-type"] = "application/json"
            try:
                response = self._session.post(
                    self.url, data=body, headers=headers, timeout=self._timeout
                )
            except requests.RequestException as exc:
                log.warning(
                    "callback %s: attempt %d: %s", callback.order_id, attempt, type(exc).__name__
                )
            else:
                delivery = _delivery(response.status_code)
                if delivery is not Delivery.UNAVAILABLE:
                    if delivery is Delivery.REJECTED:
                        log.error(
                            "callback %s refused with %d: %s",
                            callback.order_id,
                            response.status_code,
                            response.text[:300],
                        )
                    return delivery
                log.warning(
                    "callback %s: attempt %d: HTTP %d",
                    callback.order_id,
                    attempt,
                    response.status_code,
                )
            if attempt < self._attempts:
                time.sleep(self._backoff * 2 ** (attempt - 1))
        return Delivery.UNAVAILABLE


def _delivery(status: int) -> Delivery:
    if 200 <= status < 300:
        return Delivery.ACCEPTED
    if status == 409:
        return Delivery.NOT_CURRENT
    if status in (400, 401, 403, 404, 422):
        return Delivery.REJECTED
    return Delivery.UNAVAILABLE  # 429, 5xx: a passing problem
