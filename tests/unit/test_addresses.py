"""The canonical address ("one person, one seat") and a domain's share of a workshop: pure."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from wod.domain.addresses import canonical_address, domain_cap
from wod.settings import Settings

LOCAL = st.text(
    alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-",
    min_size=1,
    max_size=20,
)
TAG = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789+.-", max_size=12)
DOMAIN = st.sampled_from(
    ["example.org", "Example.ORG", "gmail.com", "GMail.com", "googlemail.com", "mail.acme.example"]
)


@given(LOCAL, DOMAIN)
def test_canonical_is_idempotent(local: str, domain: str) -> None:
    once = canonical_address(f"{local}@{domain}")
    assert canonical_address(once) == once


@given(LOCAL, DOMAIN)
def test_canonical_ignores_case(local: str, domain: str) -> None:
    address = f"{local}@{domain}"
    assert canonical_address(address.upper()) == canonical_address(address.lower())


@given(LOCAL.filter(lambda local: local.strip(".")), TAG, DOMAIN)
def test_canonical_ignores_a_tag(local: str, tag: str, domain: str) -> None:
    assert canonical_address(f"{local}+{tag}@{domain}") == canonical_address(f"{local}@{domain}")


@given(LOCAL, DOMAIN)
def test_canonical_keeps_the_domain_apart(local: str, domain: str) -> None:
    assert canonical_address(f"{local}@{domain}").endswith(
        "@gmail.com" if "mail.com" in domain.lower() else "@" + domain.lower()
    )


@pytest.mark.parametrize(
    ("typed", "canonical"),
    [
        ("Ada.Lovelace+workshop@Gmail.com", "adalovelace@gmail.com"),
        ("a.d.a@googlemail.com", "ada@gmail.com"),
        ("ada.lovelace+x@example.org", "ada.lovelace@example.org"),  # dots count elsewhere
        ("ada+x+y@example.org", "ada@example.org"),
        ("+only-a-tag@example.org", "+only-a-tag@example.org"),  # never an empty local part
    ],
)
def test_canonical_examples(typed: str, canonical: str) -> None:
    assert canonical_address(typed) == canonical


@pytest.mark.parametrize(
    ("email", "cap", "exempt", "expected"),
    [
        ("a@catch-all.example", 10, [], 10),
        ("a@catch-all.example", 0, [], None),
        ("a@partner.example", 10, ["partner.example"], None),
        ("a@eu.partner.example", 10, ["Partner.Example"], None),
        ("a@notpartner.example", 10, ["partner.example"], 10),
    ],
)
def test_domain_cap_with_exempt_domains(
    email: str, cap: int, exempt: list[str], expected: int | None
) -> None:
    assert domain_cap(email, cap, exempt) == expected


@pytest.mark.parametrize(
    "value", ["partner.example, other.example", '["partner.example", "other.example"]']
)
def test_exempt_domains_come_comma_separated_or_as_json(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("WOD_DOMAIN_CAP_EXEMPT", value)
    assert Settings().domain_cap_exempt == ["partner.example", "other.example"]
