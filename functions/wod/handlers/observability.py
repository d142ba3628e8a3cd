"""The logger, metrics and tracer of each Lambda function (Powertools), built by its handler module.

Building a Powertools `Tracer` imports the X-Ray SDK even when tracing is disabled (a cost of
every cold start, bench/imports.py), so a function gets one only when tracing is on; otherwise
`Untraced`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any, NamedTuple, TypeVar

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.logging.formatter import LambdaPowertoolsFormatter
from aws_lambda_powertools.shared import constants
from aws_lambda_powertools.shared.functions import strtobool

from wod.domain.metrics import NAMESPACE
from wod.mail.addresses import redact

F = TypeVar("F")


class AddressRedactingFormatter(LambdaPowertoolsFormatter):
    """Powertools' JSON lines with every email address replaced by `<address>`: a participant's
    address is personal data and must not reach CloudWatch Logs, whatever an error text or a
    library puts in a message or a traceback."""

    def serialize(self, log: dict[str, Any]) -> str:  # type: ignore[override]
        return redact(super().serialize(log))


class Untraced:
    """The tracer of a function whose tracing is off: its decorators return the function as is."""

    def capture_lambda_handler(self, lambda_handler: F) -> F:
        return lambda_handler

    def capture_method(self, method: F) -> F:
        return method


class Observability(NamedTuple):
    logger: Logger
    metrics: Metrics
    tracer: Tracer | Untraced


def tracing_enabled(environ: Mapping[str, str]) -> bool:
    """Powertools' own rule (`Tracer._is_tracer_disabled`): on in Lambda, unless
    `POWERTOOLS_TRACE_DISABLED` is true or the function runs in SAM local or Chalice."""
    if strtobool(environ.get(constants.TRACER_DISABLED_ENV, "false")):
        return False
    in_lambda = bool(environ.get(constants.LAMBDA_TASK_ROOT_ENV))
    emulators = (constants.SAM_LOCAL_ENV, constants.CHALICE_LOCAL_ENV)
    emulated = any(environ.get(name) for name in emulators)
    return in_lambda and not emulated


def observability(service: str, environ: Mapping[str, str] | None = None) -> Observability:
    """Logger, metrics (namespace `WorkshopsOnDemand`) and tracer of the function `service`.

    Called once per handler module at import, as Powertools' own examples do; the tracer follows
    the function's environment (the template sets `POWERTOOLS_TRACE_DISABLED`)."""
    traced = tracing_enabled(os.environ if environ is None else environ)
    return Observability(
        logger=Logger(service=service, logger_formatter=AddressRedactingFormatter()),
        metrics=Metrics(namespace=NAMESPACE, service=service),
        tracer=Tracer(service=service) if traced else Untraced(),
    )
