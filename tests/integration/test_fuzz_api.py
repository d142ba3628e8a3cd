"""The published OpenAPI (`/api/openapi.json`), fuzzed through the real gateway with schemathesis:
valid and invalid data on every route, then link-following sequences. Every answer must be as
documented (status, content type, `ErrorBody` or the success schema), never a 5xx, and a
refused request must write nothing: no seat, row, guard, mail, order or schedule.

Schemathesis generates what the document describes, typed; a hostile client sends what it does
not: the generated request is also sent mangled (wrapped in an array, not UTF-8, a repeated key,
deep nesting, another content type; signature headers of any shape; a query that is not UTF-8).
A mangled body must be refused.

Bounded and reproducible: a fixed number of examples per run, derandomized (the same inputs on
every run), no example database.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import hypothesis
import pytest
import requests
import schemathesis
from hypothesis import strategies as st
from schemathesis import GenerationMode

from tests.conftest import write_workshop
from tests.support.altcha import solve, solved
from tests.support.orders import OrderLog
from tests.support.writes import WriteCounter
from wod.local.stack import LocalStack

# Private workshops of its own: the fuzzer registers for them, and for nothing public. The link
# sequences register Ada again and again for theirs (a duplicate: 202 with her id, mail to her).
WORKSHOP = "fuzz-ws"
LINKS_WORKSHOP = "fuzz-links"
ADA = {
    "first_name": "Ada",
    "last_name": "Lovelace",
    "company": "Analytical Engines",
    "email": "ada@fuzz.example",
}
CONFIG = """
[generation]
deterministic = true

[checks]
enabled = false
not_a_server_error.enabled = true
status_code_conformance.enabled = true
content_type_conformance.enabled = true
response_schema_conformance.enabled = true
response_headers_conformance.enabled = true
negative_data_rejection.enabled = true
"""
OPERATIONS = [
    ("GET", "/api/workshops"),
    ("GET", "/api/challenge"),
    ("GET", "/api/workshops/{workshop_id}"),
    ("GET", "/api/workshops/{workshop_id}/badge.svg"),
    ("POST", "/api/registrations"),
    ("GET", "/api/registrations/{registration_id}"),
    ("DELETE", "/api/registrations/{registration_id}"),
    ("GET", "/api/badges/{registration_id}"),
    ("POST", "/api/agent/callbacks"),
    ("POST", "/api/registrations/{registration_id}/extension"),
    # The organizer's routes: unsigned, every one is refused by the gateway (403, nothing
    # written); tests/integration/test_admin_api.py calls them signed.
    ("GET", "/api/admin/status"),
    ("GET", "/api/admin/registrations"),
    ("POST", "/api/admin/workshops/{workshop_id}/close"),
    ("POST", "/api/admin/workshops/{workshop_id}/open"),
    ("PUT", "/api/admin/workshops/{workshop_id}"),
    ("POST", "/api/admin/sync"),
    ("POST", "/api/admin/registrations/{registration_id}/end"),
    ("POST", "/api/admin/registrations/{registration_id}/extend"),
    ("POST", "/api/admin/registrations/{registration_id}/reissue"),
]
# Every operation with valid and with invalid data, except where the document leaves nothing
# to get wrong: no parameters at all, or only optional free-form headers.
RUNS = [
    (method, path, mode)
    for method, path in OPERATIONS
    for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
    if not (
        mode is GenerationMode.NEGATIVE
        and path
        in ("/api/workshops", "/api/challenge", "/api/agent/callbacks", "/api/admin/status")
    )
]
EXAMPLES = 25
SETTINGS = hypothesis.settings(
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(hypothesis.HealthCheck),
)
# Names as people have them (letters, marks, spaces, punctuation): most pass the model (now
# and then one holds `www.` or an address and must not), and the address is a valid one.
PERSON = st.text(
    st.characters(categories=("L", "M", "Zs", "Pd", "Po")), min_size=1, max_size=40
).filter(str.strip)
PLAUSIBLE = st.fixed_dictionaries(
    {"first_name": PERSON, "last_name": PERSON, "company": PERSON, "email": st.emails()}
)


@pytest.fixture(scope="module")
def api_schema(local_stack: LocalStack, tmp_path_factory: pytest.TempPathFactory) -> Any:
    root = tmp_path_factory.mktemp("fuzz")
    write_workshop(root, WORKSHOP, 7001, 7010, visibility="private")
    write_workshop(root, LINKS_WORKSHOP, 7101, 7102, visibility="private")
    local_stack.seed(root)
    ada = {**ADA, "workshop_id": LINKS_WORKSHOP, "accept_terms": True}
    assert requests.post(
        local_stack.api_url + "registrations", json=solved(local_stack.api_url, ada), timeout=30
    ).ok
    return schemathesis.openapi.from_url(
        local_stack.api_url + "openapi.json", config=schemathesis.Config.from_str(CONFIG)
    )


def steer(
    case: schemathesis.Case, workshop: str, fields: dict[str, str] | None, api_url: str = ""
) -> None:
    """Point a registration at one of our workshops (with these fields, if given: names and an
    address that pass validation, and a solved proof of work, so it reaches the seat claim, the
    mails and the queue). Otherwise its `altcha` is as generated: refused, nothing written."""
    if isinstance(case.body, dict) and "workshop_id" in case.body:
        case.body = {**case.body, "workshop_id": workshop, **(fields or {})}
        if fields and api_url:
            case.body["altcha"] = solve(api_url)


@dataclass(frozen=True)
class Mangling:
    """What a hostile client does to a generated request."""

    body: str | None = None  # one of BODY_MANGLINGS, for a JSON body
    content_type: str | None = None
    signature: bytes | None = None  # an X-Wod-Signature header of any shape
    timestamp: bytes | None = None
    query: bool = False  # a token that is not UTF-8 once decoded


BODY_MANGLINGS = ["array", "array-and-junk", "not-utf8", "repeated-key", "deep"]
CONTENT_TYPES = [
    "text/plain",
    "application/x-www-form-urlencoded",
    "multipart/form-data",
    "application/octet-stream",
    "application/xml",
]
HEADER_BYTES = st.one_of(
    st.binary(max_size=200),
    st.text(st.characters(codec="latin-1"), max_size=200).map(lambda t: t.encode("latin-1")),
    st.integers(min_value=0, max_value=9000).map(lambda n: b"v1=" + b"\xe9" * n),
).map(lambda value: value.replace(b"\r", b"").replace(b"\n", b"").lstrip())  # else not HTTP
NOW = st.builds(lambda: str(int(time.time())).encode())
MANGLINGS = st.one_of(
    st.just(Mangling()),
    st.builds(Mangling, body=st.sampled_from(BODY_MANGLINGS)),
    st.builds(Mangling, content_type=st.sampled_from(CONTENT_TYPES)),
    st.builds(
        Mangling,
        signature=HEADER_BYTES,
        # Mostly a current one: only then is the signature itself compared.
        timestamp=st.one_of(NOW, NOW, NOW, st.none(), HEADER_BYTES),
        query=st.booleans(),
    ),
)


def mangled_body(body: bytes, how: str) -> bytes:
    if how == "array":
        return b"[" + body + b"]"
    if how == "array-and-junk":
        return b"[" + body + b', {"x": 1}]'
    if how == "not-utf8":
        return body[:1] + b"\xff\xfe" + body[1:]
    if how == "repeated-key" and body.startswith(b"{") and body != b"{}":
        first = next(iter(json.loads(body)))
        return body[:-1] + b", " + json.dumps(first).encode() + b': "again"}'
    return b"[" * 20_000 + body + b"]" * 20_000  # deep (or a repeated key without keys)


def send(case: schemathesis.Case, mangling: Mangling) -> tuple[Any, bool]:
    """Send the case, mangled; returns the response and whether it must be refused."""
    if mangling == Mangling():
        return case.call(timeout=30), False
    kwargs = case.as_transport_kwargs()
    headers = {k.lower(): v for k, v in kwargs.pop("headers", {}).items()}
    body = json.dumps(kwargs.pop("json")).encode() if "json" in kwargs else None
    must_refuse = False
    if body is not None and mangling.body:
        body, must_refuse = mangled_body(body, mangling.body), True
    if body is not None and mangling.content_type:
        headers["content-type"], must_refuse = mangling.content_type, True
    if mangling.signature is not None:
        headers["x-wod-signature"] = mangling.signature  # type: ignore[assignment]
    if mangling.timestamp is not None:
        headers["x-wod-timestamp"] = mangling.timestamp  # type: ignore[assignment]
    url = kwargs.pop("url")
    params = kwargs.pop("params", None) or {}
    if mangling.query:
        url += "?" + urlencode(params, doseq=True) + ("&" if params else "") + "token=%FF%FE%80"
        params = {}
    response = requests.request(
        kwargs.pop("method"),
        url,
        params=params,
        headers=headers,
        data=body if body is not None else kwargs.pop("data", None),
        cookies=kwargs.pop("cookies", None),
        timeout=30,
    )
    return response, must_refuse


class RefusalsWriteNothing:
    """After each call: if it was refused (4xx), the stack holds what it held before. One
    snapshot per call: the state after a call is the state before the next one."""

    def __init__(self, local_stack: LocalStack, order_log: OrderLog) -> None:
        self.counter = WriteCounter(local_stack, order_log)
        self.last = self.counter.snapshot()

    def check(self, case: schemathesis.Case, status: int) -> None:
        before, self.last = self.last, self.counter.snapshot()
        if status >= 400:
            assert self.last == before, f"{case.method} {case.path} answered {status}, wrote"


def test_the_published_document_lists_every_fuzzed_route(local_stack: LocalStack) -> None:
    document = requests.get(local_stack.api_url + "openapi.json", timeout=10).json()
    published = {(m.upper(), path) for path, item in document["paths"].items() for m in item}
    assert published == set(OPERATIONS)


@pytest.mark.parametrize(("method", "path", "mode"), RUNS)
def test_every_route_answers_as_documented(
    api_schema: Any,
    local_stack: LocalStack,
    order_log: OrderLog,
    method: str,
    path: str,
    mode: GenerationMode,
) -> None:
    operation = api_schema[path][method]
    writes = method != "GET"
    refusals = RefusalsWriteNothing(local_stack, order_log)
    answered: list[int] = []

    @hypothesis.given(
        case=operation.as_strategy(generation_mode=mode),
        # Valid registrations as generated (an unknown workshop, mostly), for our workshop, and
        # for it with names and an address that pass validation.
        choice=st.sampled_from([0, 1, 2] if mode is GenerationMode.POSITIVE else [0]),
        plausible=PLAUSIBLE,
        mangling=MANGLINGS,
    )
    @hypothesis.settings(SETTINGS, max_examples=EXAMPLES)
    def fuzz(
        case: schemathesis.Case, choice: int, plausible: dict[str, str], mangling: Mangling
    ) -> None:
        if choice:
            steer(case, WORKSHOP, plausible if choice == 2 else None, local_stack.api_url)
        response, must_refuse = send(case, mangling)
        answered.append(response.status_code)
        if writes:  # a read cannot write; it is checked once for the whole run, below
            refusals.check(case, response.status_code)
        case.validate_response(response)
        if must_refuse:
            assert 400 <= response.status_code < 500, f"{mangling} answered {response.text}"

    fuzz()
    assert answered, "the fuzzer sent nothing"
    if not writes:
        assert refusals.counter.snapshot() == refusals.last


def test_link_sequences_answer_as_documented(
    api_schema: Any, local_stack: LocalStack, order_log: OrderLog
) -> None:
    """Stateful: the document's links (catalog -> a workshop and a registration for it, which
    leads to its status and its end: refused there, as the token comes by mail only) chained by
    schemathesis. Registrations are pointed at our workshop, never a public one."""
    base = api_schema.as_state_machine()
    refusals = RefusalsWriteNothing(local_stack, order_log)
    steps: list[tuple[str, str, int]] = []

    class Workflow(base):  # type: ignore[misc,valid-type]
        def step(self, input: Any) -> Any:
            steer(input.case, LINKS_WORKSHOP, ADA, local_stack.api_url)
            output = super().step(input)
            refusals.check(input.case, output.response.status_code)
            steps.append((input.case.method, input.case.path, output.response.status_code))
            return output

    Workflow.run(settings=hypothesis.settings(SETTINGS, max_examples=15, stateful_step_count=6))
    followed = {(method, path) for method, path, status in steps}
    assert ("GET", "/api/registrations/{registration_id}") in followed, steps
