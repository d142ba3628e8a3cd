"""Builds the MIME message of a rendered mail (multipart/alternative, text then HTML).

Pure: the SES adapter sends its bytes. `email.policy.SMTP` refuses line breaks in header
values, a second guard against header injection besides never putting participant input there.
The recipient goes out as 7-bit ASCII (`addresses.sendable`): SES refuses anything else.
"""

from __future__ import annotations

from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, make_msgid

from wod_contracts.branding import Branding

from .addresses import sendable
from .render import RenderedMail

KIND_HEADER = "X-WOD-Mail-Kind"


def build_message(
    mail: RenderedMail, branding: Branding, to: str, now: datetime, reference: str
) -> EmailMessage:
    """Raises UndeliverableAddressError if `to` cannot be sent through SES."""
    message = EmailMessage(policy=SMTP)
    local, _, domain = str(branding.sender).partition("@")
    message["From"] = Address(branding.display_sender, local, domain)
    # An ASCII addr-spec is written as is: never an encoded-word, which SES would refuse.
    message["To"] = Address(addr_spec=sendable(to))
    if branding.reply_to:
        message["Reply-To"] = str(branding.reply_to)
    message["Subject"] = mail.subject
    message["Date"] = format_datetime(now)
    message["Message-ID"] = make_msgid(idstring=reference[:32], domain=domain)
    message[KIND_HEADER] = mail.kind.value
    message.set_content(mail.text)
    message.add_alternative(mail.html, subtype="html")
    return message
