"""Translation between a WSGI request and API Gateway HTTP API (payload 2.0) events.

`sam local` needs Docker, which these machines lack; this is what API Gateway does in front of
the real handler, field for field that the handlers (and Powertools) read.
"""

from __future__ import annotations

import base64
import time
import uuid
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from werkzeug.wrappers import Request, Response

TEXT_TYPES = ("application/json", "text/", "application/x-www-form-urlencoded")


def request_to_event(request: Request, body: bytes) -> dict[str, Any]:
    headers: dict[str, str] = {}
    for key, value in request.headers.items():
        lowered = key.lower()
        headers[lowered] = f"{headers[lowered]},{value}" if lowered in headers else value
    query: dict[str, str] = {}
    for key, value in parse_qsl(request.query_string.decode(), keep_blank_values=True):
        query[key] = f"{query[key]},{value}" if key in query else value
    content_type = headers.get("content-type", "")
    is_text = not body or content_type.startswith(TEXT_TYPES)
    now = time.time()
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": request.path,
        "rawQueryString": request.query_string.decode(),
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


def result_to_response(result: dict[str, Any]) -> Response:
    body = result.get("body") or ""
    data = base64.b64decode(body) if result.get("isBase64Encoded") else body.encode()
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
