"""How the API reads request bodies: only a JSON object in UTF-8 is a body; anything else is a
validation error naming the body (or a 415 for a body that is not JSON at all).

Plugged into the Powertools resolver as its request validation step (`app.py`), so the model
validation, the error collection and the error mapping (`errors.py`) stay Powertools' own; only
the reading of the raw body is ours. Powertools alone would take the first element of a JSON
array as the body, crash on a body that is not UTF-8 or nested too deeply, and read forms.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from aws_lambda_powertools.event_handler.middlewares.openapi_validation import (
    OpenAPIRequestValidationMiddleware,
)
from aws_lambda_powertools.event_handler.openapi.exceptions import (
    RequestUnsupportedContentType,
    RequestValidationError,
)
from aws_lambda_powertools.utilities.data_classes.common import BaseProxyEvent

JSON_MEDIA_TYPE = "application/json"


class BodyError(ValueError):
    """The body cannot be read as a JSON object; the message says why, for a person."""


def raw_body(event: BaseProxyEvent) -> bytes:
    """The body's bytes as the client sent them (API Gateway base64-encodes binary bodies)."""
    body = event.body or ""
    if event.is_base64_encoded:
        try:
            return base64.b64decode(body, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise BodyError("The body is not valid base64.") from exc
    return body.encode("utf-8", "surrogatepass")


def is_json_media_type(content_type: str) -> bool:
    """`application/json` (any parameters, e.g. charset) or a `+json` type; none counts as JSON."""
    media = content_type.split(";", 1)[0].strip().lower()
    return not media or media == JSON_MEDIA_TYPE or media.endswith("+json")


def _refuse_constant(name: str) -> Any:
    raise BodyError(f"The body is not valid JSON: {name} is not a JSON value.")


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise BodyError(f"The body repeats the key {key!r}: each key may appear once.")
        result[key] = value
    return result


def _has_lone_surrogate(value: Any) -> bool:
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


def parse_json_object(data: bytes) -> dict[str, Any]:
    """The JSON object in `data`, strictly: UTF-8, no NaN/Infinity, no repeated key, no lone
    surrogate escape, an object at the top. Raises BodyError saying what is wrong."""
    if not data.strip():
        raise BodyError("The body is empty: send a JSON object.")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BodyError("The body is not UTF-8 text.") from exc
    try:
        value = json.loads(text, parse_constant=_refuse_constant, object_pairs_hook=_unique_keys)
    except json.JSONDecodeError as exc:
        raise BodyError(f"The body is not valid JSON ({exc.msg}, at character {exc.pos}).") from exc
    except RecursionError as exc:
        raise BodyError("The body is nested too deeply.") from exc
    except BodyError:
        raise
    except ValueError as exc:  # e.g. an integer of more than 4300 digits
        raise BodyError("The body holds a number that is too large.") from exc
    if not isinstance(value, dict):
        raise BodyError("The body must be a JSON object ({...}), not an array or a single value.")
    if _has_lone_surrogate(value):
        raise BodyError("The body holds an invalid \\u escape (a lone surrogate).")
    return value


def read_json_object(event: BaseProxyEvent) -> dict[str, Any]:
    """The request's body as a JSON object, or the Powertools validation error that says why not."""
    content_type = event.headers.get("content-type") or ""
    if not is_json_media_type(content_type):
        raise RequestUnsupportedContentType(
            "Unsupported content type",
            errors=[
                {
                    "type": "unsupported_content_type",
                    "loc": ("header", "content-type"),
                    "msg": f"Send the body as {JSON_MEDIA_TYPE}.",
                    "input": content_type[:100],
                }
            ],
        )
    try:
        return parse_json_object(raw_body(event))
    except BodyError as exc:
        raise RequestValidationError(
            [{"type": "body_invalid", "loc": ("body",), "msg": str(exc), "input": None}]
        ) from exc


class JsonObjectBodies(OpenAPIRequestValidationMiddleware):
    """Powertools' request validation, reading every body with `read_json_object`."""

    def _get_body(self, app: Any) -> dict[str, Any]:
        return read_json_object(app.current_event)
