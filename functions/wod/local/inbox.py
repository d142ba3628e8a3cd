"""The local inbox: the mails SES (moto) accepted, readable by a person and as JSON."""

from __future__ import annotations

import email
import html
import re
from dataclasses import dataclass
from email.message import EmailMessage
from email.policy import default
from email.utils import parsedate_to_datetime
from typing import Any

import requests

from wod.mail.messages import KIND_HEADER

# Mails are shown without scripts; their links may open the page the participant would open.
SANDBOX = "allow-popups allow-popups-to-escape-sandbox allow-top-navigation-by-user-activation"


def _part(message: EmailMessage, subtype: str) -> str:
    part = message.get_body(preferencelist=(subtype,))
    return part.get_content() if part is not None else ""


def parse(raw: str) -> dict[str, Any]:
    message = email.message_from_string(raw, _class=EmailMessage, policy=default)
    assert isinstance(message, EmailMessage)
    date = message["Date"]
    return {
        "to": str(message["To"] or ""),
        "from": str(message["From"] or ""),
        "subject": str(message["Subject"] or ""),
        "kind": str(message[KIND_HEADER] or ""),
        "text": _part(message, "plain"),
        "html": _part(message, "html"),
        "sent_at": parsedate_to_datetime(date).isoformat() if date else None,
    }


@dataclass(frozen=True)
class Credentials:
    """What a credentials mail tells the participant (local stack only: mails hold a password)."""

    username: str
    password: str
    start_url: str


def credentials(mail: dict[str, Any]) -> Credentials:
    """Read the login out of a credentials mail of the inbox; ValueError if it holds none."""
    text = mail["text"]
    username = re.search(r"Username: (\S+)", text)
    password = re.search(r"Password: (\S+)", text)
    start = re.search(r"(https?://\S+/hub/login\?next=\S+)", text)
    if not (username and password and start):
        raise ValueError(f"not a credentials mail: {mail.get('subject', '')!r}")
    return Credentials(username.group(1), password.group(1), start.group(1))


def fetch_messages(aws_endpoint: str) -> list[dict[str, Any]]:
    """Oldest first."""
    response = requests.get(aws_endpoint.rstrip("/") + "/_wod/mail.json", timeout=10)
    response.raise_for_status()
    return [{"id": item["id"], **parse(item["raw"])} for item in response.json()]


def render_page(messages: list[dict[str, Any]], to: str | None) -> str:
    rows = []
    for message in reversed(messages):
        if to and message["to"].lower() != to.lower():
            continue
        rows.append(
            "<details><summary><strong>{subject}</strong> &mdash; to {to} &middot; {sent}"
            "</summary><iframe sandbox='{sandbox}' title='{subject}' srcdoc='{body}'></iframe>"
            "<pre>{text}</pre></details>".format(
                subject=html.escape(message["subject"]),
                to=html.escape(message["to"]),
                sent=html.escape(message["sent_at"] or ""),
                sandbox=SANDBOX,
                body=html.escape(message["html"], quote=True),
                text=html.escape(message["text"]),
            )
        )
    listing = "\n".join(rows) or "<p>No mail yet.</p>"
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Local inbox</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{{font-family:sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}}
details{{border:1px solid #ddd;border-radius:4px;margin:.5rem 0;padding:.5rem}}
iframe{{width:100%;height:28rem;border:1px solid #eee;margin-top:.5rem}}
pre{{white-space:pre-wrap;background:#f6f6f6;padding:.5rem}}</style></head>
<body><h1>Local inbox</h1><p>Mail the local stack sent ({len(rows)}), newest first.
Filter: <code>?to=address</code>. JSON: <a href="messages.json">messages.json</a>.</p>
{listing}</body></html>"""
