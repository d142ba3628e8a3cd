"""Each function's logger, metrics and tracer: the X-Ray SDK is imported only when tracing is on."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from email.message import EmailMessage

import pytest
from aws_lambda_powertools import Tracer
from botocore.exceptions import ClientError

from wod.adapters.mailer import SesMailer
from wod.domain.errors import DeliveryError
from wod.handlers.observability import Untraced, observability, tracing_enabled
from wod.templates import load_template

HANDLERS = ("api", "lifecycle", "mail_events", "sweep")
IN_LAMBDA = {"LAMBDA_TASK_ROOT": "/var/task", "AWS_DEFAULT_REGION": "us-east-1"}
# Imports every handler in a fresh interpreter; reports each tracer's type and the SDK's presence.
PROBE = f"""
import importlib, json, sys
tracers = {{name: type(importlib.import_module("wod.handlers." + name).tracer).__name__
           for name in {HANDLERS!r}}}
print(json.dumps({{"tracers": tracers, "xray": "aws_xray_sdk" in sys.modules}}))
"""


def import_handlers(environ: dict[str, str]) -> dict[str, object]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("POWERTOOLS_", "AWS_"))}
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        env={**base, **environ},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    probe: dict[str, object] = json.loads(result.stdout)
    return probe


@pytest.mark.parametrize(
    ("environ", "enabled"),
    [
        ({}, False),  # outside Lambda (tests, the local stack)
        ({"LAMBDA_TASK_ROOT": "/var/task"}, True),
        ({"LAMBDA_TASK_ROOT": "/var/task", "POWERTOOLS_TRACE_DISABLED": "true"}, False),
        ({"LAMBDA_TASK_ROOT": "/var/task", "POWERTOOLS_TRACE_DISABLED": "1"}, False),
        ({"LAMBDA_TASK_ROOT": "/var/task", "POWERTOOLS_TRACE_DISABLED": "false"}, True),
        ({"LAMBDA_TASK_ROOT": "/var/task", "AWS_SAM_LOCAL": "true"}, False),
    ],
)
def test_tracing_follows_powertools_rule(environ: dict[str, str], enabled: bool) -> None:
    assert tracing_enabled(environ) is enabled


def test_untraced_decorators_return_the_function_itself() -> None:
    def handler(event: dict[str, str], context: object) -> str:
        return "done"

    untraced = Untraced()

    assert untraced.capture_lambda_handler(handler) is handler
    assert untraced.capture_method(handler) is handler


def test_observability_names_the_service_and_the_namespace() -> None:
    logger, metrics, tracer = observability("wod-test", environ={})

    assert logger.service == "wod-test"
    assert metrics.namespace == "WorkshopsOnDemand"
    assert isinstance(tracer, Untraced)


def test_handlers_under_the_template_environment_do_not_import_the_xray_sdk() -> None:
    """Given the template's Globals (tracing off) in a Lambda-like environment, importing every
    handler loads no X-Ray SDK."""
    template_env = load_template()["Globals"]["Function"]["Environment"]["Variables"]
    trace_disabled = template_env["POWERTOOLS_TRACE_DISABLED"]

    probe = import_handlers({**IN_LAMBDA, "POWERTOOLS_TRACE_DISABLED": trace_disabled})

    assert probe == {"tracers": dict.fromkeys(HANDLERS, "Untraced"), "xray": False}


def test_handlers_with_tracing_on_get_the_powertools_tracer() -> None:
    """The control: with tracing on, the same probe sees the real tracer and the SDK."""
    probe = import_handlers({**IN_LAMBDA, "POWERTOOLS_TRACE_DISABLED": "false"})

    assert probe == {"tracers": dict.fromkeys(HANDLERS, Tracer.__name__), "xray": True}


def test_no_address_reaches_the_logs(capsys: pytest.CaptureFixture[str]) -> None:
    logger = observability("wod-redaction-test", {}).logger
    try:
        raise DeliveryError("SES: Email address is not verified: Ada.L@Example.org")
    except DeliveryError:
        logger.exception("mail not sent to jörg@bücher.example", to="grace+wod@navy.example")
    written = capsys.readouterr().out
    assert "mail not sent" in written and "<address>" in written
    for address in ("Ada.L@Example.org", "jörg@bücher.example", "grace+wod@navy.example"):
        assert address not in written
    assert "@" not in written.replace('"level"', "")


def test_the_mailers_errors_name_no_address() -> None:
    failing = SesMailer(client=_RefusingSes())  # type: ignore[arg-type]
    message = EmailMessage()
    message["To"] = "ada@example.org"
    with pytest.raises(DeliveryError) as caught:
        failing.send(message)
    assert "ada@example.org" not in str(caught.value) and "<address>" in str(caught.value)


class _RefusingSes:
    def send_email(self, **_: object) -> dict[str, str]:
        raise ClientError(
            {"Error": {"Code": "MessageRejected", "Message": "not verified: ada@example.org"}},
            "SendEmail",
        )
