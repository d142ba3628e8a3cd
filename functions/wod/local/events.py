"""Translation between a WSGI request and API Gateway HTTP API (payload 2.0) events.

`sam local` needs Docker, which these machines lack; this is what API Gateway does in front of
the real handler, field for field that the handlers (and Powertools) read.

Bodies: "If the content type of the request is binary, the body is base64-encoded" (the payload
2.0 reference, in Lambda's function URL guide, which shares the format), and HTTP APIs treat
only text types as text: `text/*`, JSON, JavaScript, XML (a form body arrives base64-encoded). A
text body that is not valid UTF-8 cannot be a JSON string, so it is base64-encoded as well.
"""

from __future__ import annotations

import base64
import binascii
import json
import time
import uuid
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from werkzeug.wrappers import Request, Response

TEXT_MEDIA_TYPES = frozenset(
    {"application/json", "application/javascript", "application/xml", "application/yaml"}
)
# What API Gateway answers when the function fails or returns something it cannot read.
LAMBDA_ERROR = {"message": "Internal Server Error"}


def is_text_body(content_type: str, body: bytes) -> bool:
    """Whether API Gateway hands `body` to the function as a string (else: base64-encoded)."""
    media = content_type.split(";", 1)[0].strip().lower()
    textual = (
        media.startswith("text/") or media in TEXT_MEDIA_TYPES or media.endswith(("+json", "+xml"))
    )
    if not textual:
        return False
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _text(raw: bytes) -> str:
    # The request line is bytes from a stranger; a URL that is not UTF-8 is not an error here.
    return raw.decode("utf-8", "replace")


def request_to_event(request: Request, body: bytes) -> dict[str, Any]:
    headers: dict[str, str] = {}
    for key, value in request.headers.items():
        lowered = key.lower()
        headers[lowered] = f"{headers[lowered]},{value}" if lowered in headers else value
    query: dict[str, str] = {}
    raw_query = _text(request.query_string)
    for key, value in parse_qsl(raw_query, keep_blank_values=True):
        query[key] = f"{query[key]},{value}" if key in query else value
    is_text = not body or is_text_body(headers.get("content-type", ""), body)
    now = time.time()
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": request.path,
        "rawQueryString": raw_query,
        "headers": headers,
        "requestContext": {
            "accountId": "000000000000",
            "apiId": "local",
            "domainName": request.host,
            "domainPrefix": request.host.split(".")[0],
            "http": {
                "method": request.method,
                "path": request.path,
                "protocol": request.environ.get("SERVER_PROTOCOL", "HTTP/1.1"),
                "sourceIp": request.remote_addr or "127.0.0.1",
                "userAgent": headers.get("user-agent", ""),
            },
            "requestId": uuid.uuid4().hex,
            "routeKey": "$default",
            "stage": "$default",
            "time": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now)),
            "timeEpoch": int(now * 1000),
        },
        "isBase64Encoded": not is_text,
    }
    if request.cookies:
        event["cookies"] = [f"{k}={v}" for k, v in request.cookies.items()]
    if query:
        event["queryStringParameters"] = query
    if body:
        event["body"] = body.decode() if is_text else base64.b64encode(body).decode()
    return event


def lambda_error() -> Response:
    return Response(json.dumps(LAMBDA_ERROR), status=500, content_type="application/json")


def result_to_response(result: dict[str, Any]) -> Response:
    """The HTTP response for a function's result (a 500 like API Gateway's if it is malformed)."""
    try:
        return _result_to_response(result)
    except (TypeError, ValueError, AttributeError, binascii.Error):
        return lambda_error()


def _result_to_response(result: dict[str, Any]) -> Response:
    body = result.get("body") or ""
    data = base64.b64decode(body, validate=True) if result.get("isBase64Encoded") else body.encode()
    response = Response(data, status=int(result.get("statusCode", 200)))
    response.headers.clear()
    for key, value in (result.get("headers") or {}).items():
        response.headers[key] = value
    for key, values in (result.get("multiValueHeaders") or {}).items():
        for value in values:
            response.headers.add(key, value)
    for cookie in result.get("cookies") or []:
        response.headers.add("Set-Cookie", cookie)
    if "content-type" not in response.headers:  # werkzeug Headers ignore case
        response.headers["Content-Type"] = "application/json"
    return response


@dataclass
class LocalContext:
    """The parts of a Lambda context that Powertools reads."""

    function_name: str = "wod-api-local"
    function_version: str = "$LATEST"
    memory_limit_in_mb: int = 512
    aws_request_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:000000000000:function:wod-api-local"
    log_group_name: str = "/aws/lambda/wod-api-local"
    log_stream_name: str = "local"
    deadline: float = field(default_factory=lambda: time.time() + 30)

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self.deadline - time.time()) * 1000))
