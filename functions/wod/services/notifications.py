"""Renders and sends the participant's mails; the one place that knows what each mail needs."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aws_lambda_powertools import Logger

from wod.domain import tokens
from wod.domain.errors import DeliveryError
from wod.domain.metrics import Metric
from wod.domain.registrations import Registration
from wod.mail.addresses import UndeliverableAddressError
from wod.mail.dates import participant_time
from wod.mail.messages import build_message
from wod.mail.render import MailKind, render_mail
from wod_contracts.branding import Branding
from wod_contracts.workshop import Workshop

from .links import Links
from .ports import Clock, Mailer, Telemetry

logger = Logger(child=True)


class Notifier:
    def __init__(
        self,
        branding: Branding,
        links: Links,
        mailer: Mailer,
        token_key: bytes,
        clock: Clock,
        suppressed: Callable[[str], bool] = lambda _: False,
        mail_allowed: Callable[[str], bool] = lambda _: True,
        telemetry: Telemetry | None = None,
    ) -> None:
        self._mail_allowed = mail_allowed
        self._telemetry = telemetry
        self.branding = branding
        self.links = links
        self._mailer = mailer
        self._token_key = token_key
        self._clock = clock
        self._suppressed = suppressed

    def status_url(self, registration: Registration) -> str:
        token = tokens.status_token(self._token_key, registration.registration_id)
        return self.links.status(registration.registration_id, token)

    def send(
        self, kind: MailKind, registration: Registration, workshop: Workshop, **extra: Any
    ) -> str | None:
        """Send one mail; None if the address is suppressed (bounced or complained before) or
        has had its share of mails today (`Throttle.allow_mail`, per person), or that cannot
        be sent through SES at all (nothing to retry: registration refuses such addresses, so
        only an old record can hold one). Raises DeliveryError."""
        if self._suppressed(registration.email):
            logger.info("suppressed address, mail not sent", kind=kind.value)
            return None
        if not self._mail_allowed(registration.person):
            logger.warning("mails per address and day reached, mail not sent", kind=kind.value)
            return None
        mail = render_mail(
            kind,
            self.branding,
            registration.language,
            workshop=workshop,
            first_name=registration.first_name,
            ends_at=participant_time(
                registration.ends_at, registration.time_zone, registration.language
            ),
            status_url=self.status_url(registration),
            workshop_url=self.links.workshop(workshop.id),
            site_url=self.links.site_url,
            **extra,
        )
        try:
            message = build_message(
                mail, self.branding, registration.email, self._clock(), registration.registration_id
            )
        except UndeliverableAddressError:
            logger.error(
                "address SES cannot deliver to, mail not sent",
                kind=kind.value,
                registration_id=registration.registration_id,
            )
            return None
        sent = self._mailer.send(message)
        if kind is MailKind.APOLOGY and self._telemetry is not None:
            self._telemetry.count(Metric.APOLOGIES, workshop.id)
        return sent

    def send_best_effort(
        self, kind: MailKind, registration: Registration, workshop: Workshop, **extra: Any
    ) -> bool:
        """Send a mail that nothing waits for (an apology, a notice, the thanks): a failure is
        logged, not raised. True if it was handed to the mail service (or suppressed)."""
        try:
            self.send(kind, registration, workshop, **extra)
        except DeliveryError:
            logger.warning(
                "mail not sent", kind=kind.value, registration_id=registration.registration_id
            )
            return False
        return True
