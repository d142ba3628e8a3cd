"""The published OpenAPI (`/api/openapi.json`), fuzzed through the real gateway with schemathesis:
valid and invalid data on every route, then link-following sequences. Every answer must be as
documented (status, content type, `ErrorBody` or the success schema), never a 5xx, and a
refused request must write nothing: no seat, row, guard, mail, order or schedule.

Bounded and reproducible: a fixed number of examples per run, derandomized (the same inputs on
every run), no example database.
"""

from __future__ import annotations

from typing import Any

import hypothesis
import pytest
import requests
import schemathesis
from hypothesis import strategies as st
from schemathesis import GenerationMode

from tests.conftest import write_workshop
from tests.support.orders import OrderLog
from tests.support.writes import WriteCounter
from wod.local.stack import LocalStack

# A private workshop of its own: the fuzzer registers for it, and for nothing public.
WORKSHOP = "fuzz-ws"
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
    ("GET", "/api/workshops/{workshop_id}"),
    ("GET", "/api/workshops/{workshop_id}/badge.svg"),
    ("POST", "/api/registrations"),
    ("GET", "/api/registrations/{registration_id}"),
    ("DELETE", "/api/registrations/{registration_id}"),
    ("GET", "/api/badges/{registration_id}"),
    ("POST", "/api/agent/callbacks"),
]
# Every operation with valid and with invalid data, except where the document leaves nothing
# to get wrong: no parameters at all, or only optional free-form headers.
RUNS = [
    (method, path, mode)
    for method, path in OPERATIONS
    for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
    if not (mode is GenerationMode.NEGATIVE and path in ("/api/workshops", "/api/agent/callbacks"))
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
PERSON_EXAMPLE = {"first_name": "Ada", "last_name": "Lovelace", "company": "Analytical Engines"}
PLAUSIBLE = st.fixed_dictionaries(
    {"first_name": PERSON, "last_name": PERSON, "company": PERSON, "email": st.emails()}
)


@pytest.fixture(scope="module")
def api_schema(local_stack: LocalStack, tmp_path_factory: pytest.TempPathFactory) -> Any:
    root = tmp_path_factory.mktemp("fuzz")
    write_workshop(root, WORKSHOP, 7001, 7010, visibility="private")
    local_stack.seed(root)
    return schemathesis.openapi.from_url(
        local_stack.api_url + "openapi.json", config=schemathesis.Config.from_str(CONFIG)
    )


def steer(case: schemathesis.Case, choice: int, plausible: dict[str, str]) -> None:
    """Point a valid registration at the fuzz workshop (choice 1), also with names and an
    address that pass validation (choice 2), so it reaches the seat claim, the mails and the
    queue; choice 0 leaves it as generated (an unknown workshop, mostly)."""
    if choice and isinstance(case.body, dict) and "workshop_id" in case.body:
        case.body = {**case.body, "workshop_id": WORKSHOP, **(plausible if choice == 2 else {})}


class RefusalsWriteNothing:
    """After each call: if it was refused (4xx), the stack holds what it held before. One
    snapshot per call: the state after a call is the state before the next one."""

    def __init__(self, local_stack: LocalStack, order_log: OrderLog) -> None:
        self.counter = WriteCounter(local_stack, order_log)
        self.last = self.counter.snapshot()

    def check(self, case: schemathesis.Case, status: int) -> None:
        now = self.counter.snapshot()
        if status >= 400:
            assert now == self.last, f"{case.method} {case.path} answered {status}, wrote: {now}"
        self.last = now


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
        choice=st.sampled_from([0, 1, 2] if mode is GenerationMode.POSITIVE else [0]),
        plausible=PLAUSIBLE,
    )
    @hypothesis.settings(SETTINGS, max_examples=EXAMPLES)
    def fuzz(case: schemathesis.Case, choice: int, plausible: dict[str, str]) -> None:
        steer(case, choice, plausible)
        response = case.call(timeout=30)
        answered.append(response.status_code)
        case.validate_response(response)
        if writes:  # a read cannot write; it is checked once for the whole run, below
            refusals.check(case, response.status_code)

    fuzz()
    assert answered, "the fuzzer sent nothing"
    if not writes:
        assert refusals.counter.snapshot() == refusals.last


def test_link_sequences_answer_as_documented(
    api_schema: Any, local_stack: LocalStack, order_log: OrderLog
) -> None:
    """Stateful: the document's links (catalog -> a workshop and a registration for it, which
    leads to its status and its end: refused there, as the token comes by mail only) chained by
    schemathesis. Registrations are pointed at the fuzz workshop, never a public one."""
    base = api_schema.as_state_machine()
    refusals = RefusalsWriteNothing(local_stack, order_log)
    steps: list[tuple[str, str, int]] = []

    class Workflow(base):  # type: ignore[misc,valid-type]
        def step(self, input: Any) -> Any:
            steer(input.case, 2, {**PERSON_EXAMPLE, "email": "ada@fuzz.example"})
            output = super().step(input)
            refusals.check(input.case, output.response.status_code)
            steps.append((input.case.method, input.case.path, output.response.status_code))
            return output

    Workflow.run(settings=hypothesis.settings(SETTINGS, max_examples=15, stateful_step_count=6))
    followed = {(method, path) for method, path, status in steps}
    assert ("GET", "/api/registrations/{registration_id}") in followed, steps
