"""Sends built MIME messages through SES (v2, raw content). Errors become DeliveryError."""

from __future__ import annotations

from email.message import EmailMessage
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError

from wod.domain.errors import DeliveryError
from wod.mail.addresses import redact

from . import clients

if TYPE_CHECKING:
    from mypy_boto3_sesv2 import SESV2Client


class SesMailer:
    def __init__(self, configuration_set: str | None = None, client: SESV2Client | None = None):
        self._configuration_set = configuration_set
        self._client = client

    def send(self, message: EmailMessage) -> str:
        client = self._client or clients.sesv2()
        request: dict[str, Any] = {"Content": {"Raw": {"Data": message.as_bytes()}}}
        if self._configuration_set:
            request["ConfigurationSetName"] = self._configuration_set
        try:
            return client.send_email(**request)["MessageId"]
        except (BotoCoreError, ClientError) as exc:
            # SES names the recipient in some errors (sandbox): no address in what gets logged.
            raise DeliveryError(f"mail not sent: {redact(str(exc))}") from exc
