"""Validation of what a participant submits."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from wod.domain.participants import RegistrationRequest

GOOD: dict[str, Any] = {
    "workshop_id": "python-101",
    "email": "Ada.Lovelace@Example.org",
    "first_name": "Ada",
    "last_name": "Lovelace",
    "company": "Analytical Engines",
    "accept_terms": True,
}


def bad_fields(**changes: Any) -> set[str]:
    with pytest.raises(ValidationError) as caught:
        RegistrationRequest.model_validate({**GOOD, **changes})
    return {str(error["loc"][0]) for error in caught.value.errors()}


def test_a_good_request_is_accepted_and_the_email_normalized() -> None:
    request = RegistrationRequest.model_validate(GOOD)
    assert request.normalized_email == "ada.lovelace@example.org"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("email", "not-an-email"),
        ("email", "a@b"),
        ("email", "x" * 250 + "@example.org"),
        ("first_name", ""),
        ("first_name", "   "),
        ("first_name", "A" * 81),
        ("first_name", "Eve\r\nBcc: victim@example.org"),
        ("last_name", "Tab\there"),
        ("last_name", "Null\x00byte"),
        ("company", "C" * 121),
        ("accept_terms", False),
        ("accept_terms", "yes"),
        ("workshop_id", "../etc/passwd"),
    ],
)
def test_each_bad_field_is_named(field: str, value: Any) -> None:
    assert bad_fields(**{field: value}) == {field}


@pytest.mark.parametrize("extra", ["student_id", "status", "password"])
def test_unknown_fields_are_refused(extra: str) -> None:
    assert bad_fields(**{extra: 3}) == {extra}


def test_missing_fields_are_each_named() -> None:
    with pytest.raises(ValidationError) as caught:
        RegistrationRequest.model_validate({"workshop_id": "python-101"})
    missing = {str(e["loc"][0]) for e in caught.value.errors()}
    assert missing == {"email", "first_name", "last_name", "company", "accept_terms"}


def test_names_keep_accents_and_are_trimmed() -> None:
    request = RegistrationRequest.model_validate({**GOOD, "first_name": "  Zoë  "})
    assert request.first_name == "Zoë"


FIELDS = ["workshop_id", "email", "first_name", "last_name", "company", "accept_terms"]
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=90),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3)
    ),
    max_leaves=8,
)
# Values that get past the type checks, so the field validators (email, names) are reached.
FIELD_VALUES = st.one_of(
    JSON,
    st.emails(),
    st.just(True),
    st.sampled_from(["python-101", "a", "-x", "Ada", "www.x.org", "<b>", "jörg@b.example"]),
    st.text(st.characters(categories=("L", "M", "N", "P", "S", "Z")), min_size=1, max_size=90),
)


@given(st.dictionaries(st.sampled_from(FIELDS) | st.text(max_size=12), FIELD_VALUES))
@settings(max_examples=500, derandomize=True, database=None)
def test_any_json_object_validates_or_names_each_bad_field(body: dict[str, Any]) -> None:
    try:
        request = RegistrationRequest.model_validate(body)
    except ValidationError as caught:
        errors = caught.errors()
        assert errors
        for error in errors:
            assert error["loc"] and isinstance(error["loc"][0], str)
            assert error["loc"][0] in body or error["type"] == "missing"
    else:
        assert set(body) == set(FIELDS)
        assert request.normalized_email.isascii()  # SES has no SMTPUTF8


PERSON = st.text(st.characters(categories=("L", "M")), min_size=1, max_size=30)
LINKS = st.sampled_from(
    [
        "http://x.example",
        "https://x.example/win",
        "HTTPS://X.EXAMPLE",
        "www.example.org",
        "WWW.cheap",
        "\uff57\uff57\uff57\uff0eexample",  # full-width www.example
        "cheap-pills.example",
        "bit.ly",
        "mailto:x",
        "javascript:alert(1)",
        "<a href=x>",
        "<script>",
        "\uff1cb\uff1e",  # full-width <b>
        "&lt;b&gt;",
        "&#60;",
        "win@prizes.example",
    ]
)


@given(
    field=st.sampled_from(["first_name", "last_name", "company"]),
    name=PERSON,
    link=LINKS,
    at=st.integers(min_value=0, max_value=30),
)
@settings(max_examples=300, derandomize=True, database=None)
def test_a_name_carrying_a_link_or_markup_is_refused_naming_the_field(
    field: str, name: str, link: str, at: int
) -> None:
    if field == "company" and link in ("cheap-pills.example", "bit.ly"):
        return  # a company may be called Booking.com
    value = f"{name[:at]} {link} {name[at:]}"[:80]
    if link not in value:
        return
    assert bad_fields(**{field: value}) == {field}


@given(first=PERSON, last=PERSON, company=PERSON)
@settings(max_examples=200, derandomize=True, database=None)
def test_names_of_letters_pass(first: str, last: str, company: str) -> None:
    request = RegistrationRequest.model_validate(
        {**GOOD, "first_name": first, "last_name": last, "company": company}
    )
    assert (request.first_name, request.last_name) == (first.strip(), last.strip())


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("first_name", "J.R.R."),
        ("first_name", "Mary-Jane"),
        ("last_name", "O'Brien"),
        ("last_name", "St. John"),
        ("last_name", "Nguyễn"),
        ("first_name", "李小龍"),
        ("last_name", "Dr. med. Müller"),
        ("company", "AT&T"),
        ("company", "Booking.com"),
        ("company", "Procter & Gamble"),
    ],
)
def test_real_names_pass(field: str, value: str) -> None:
    RegistrationRequest.model_validate({**GOOD, field: value})


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("first_name", "Visit www.win.example"),
        ("last_name", "x https://evil.example/login"),
        ("first_name", "cheap-pills.example"),
        ("company", "<img src=x onerror=alert(1)>"),
        ("company", "Acme &#x3C;"),
        ("last_name", "call me at win@prizes.example"),
    ],
)
def test_spam_names_are_refused(field: str, value: str) -> None:
    assert bad_fields(**{field: value}) == {field}


@pytest.mark.parametrize("email", ["jörg@bücher.example", "ü@example.org"])
def test_an_address_ses_cannot_send_to_is_refused(email: str) -> None:
    assert bad_fields(email=email) == {"email"}


def test_a_unicode_domain_is_kept_as_punycode_for_sending() -> None:
    request = RegistrationRequest.model_validate({**GOOD, "email": "Ada@Bücher.example"})
    assert request.normalized_email == "ada@xn--bcher-kva.example"
