"""The agent's log lines: one JSON object per line (or text), each carrying the order it is about.

`order_context` binds order_id, registration_id, seat and verb in a contextvar of the worker
thread that carries the order out, so every line logged meanwhile (ours, ansible-runner's,
botocore's) carries them; `configure_logging` installs the handler once, from `cli`.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TextIO

from pythonjsonlogger.json import JsonFormatter

from .config import LogFormat

ORDER_FIELDS = ("order_id", "registration_id", "seat", "verb", "message_id")
HANDLER_NAME = "wod-agent"
_current: ContextVar[Mapping[str, str] | None] = ContextVar("wod_agent_order", default=None)


@contextmanager
def order_context(**fields: str) -> Iterator[None]:
    """Every record logged by this thread inside the block carries `fields`."""
    token = _current.set({**(_current.get() or {}), **fields})
    try:
        yield
    finally:
        _current.reset(token)


class OrderFields(logging.Filter):
    """Copies the bound order fields onto each record (a handler filter: every logger's)."""

    def filter(self, record: logging.LogRecord) -> bool:
        for name, value in (_current.get() or {}).items():
            setattr(record, name, value)
        return True


class TextFormatter(logging.Formatter):
    """The classic line, then the order fields in brackets (before any traceback)."""

    def formatMessage(self, record: logging.LogRecord) -> str:
        line = super().formatMessage(record)
        bound = [f"{key}={getattr(record, key)}" for key in ORDER_FIELDS if hasattr(record, key)]
        return f"{line} [{' '.join(bound)}]" if bound else line


def json_formatter() -> logging.Formatter:
    # Fields besides these (the order fields, `extra=`) are added by python-json-logger.
    return JsonFormatter(
        ["levelname", "name", "message", "threadName"],
        rename_fields={"levelname": "level", "name": "logger", "threadName": "thread"},
        timestamp="time",
    )


def make_handler(log_format: LogFormat, stream: TextIO | None = None) -> logging.Handler:
    """A handler writing `log_format` lines, each with the bound order fields, to stderr."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.addFilter(OrderFields())
    if log_format is LogFormat.JSON:
        handler.setFormatter(json_formatter())
    else:
        handler.setFormatter(TextFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    return handler


def configure_logging(log_format: LogFormat, level: int = logging.INFO) -> None:
    """Replace the root logger's handlers with `make_handler(log_format)`."""
    handler = make_handler(log_format)
    handler.set_name(HANDLER_NAME)
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    # botocore logs request bodies at DEBUG; nothing of ours is secret there, but it is noise.
    logging.getLogger("botocore").setLevel(max(level, logging.INFO))
