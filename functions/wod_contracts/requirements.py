"""The `requirements` of a workshop: pip requirement strings (PEP 508), checked with `packaging`.

Called by `catalog` (site build, seeding, agent, `wod-workshop validate`), not by the model: the
API's Lambda reads workshops too and should not import `packaging` on its way to an answer.
"""

from __future__ import annotations

from collections.abc import Sequence

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name


def parse_requirements(requirements: Sequence[str]) -> tuple[list[Requirement], list[str]]:
    """The parsed requirements and one problem per bad one, as `index: message`."""
    parsed: list[Requirement] = []
    problems: list[str] = []
    seen: dict[str, int] = {}
    for index, text in enumerate(requirements):
        try:
            requirement = Requirement(text)
        except InvalidRequirement as exc:
            reason = str(exc).splitlines()[0]
            problems.append(f"{index}: '{text}' is not a pip requirement ({reason})")
            continue
        if requirement.url:
            # The backend installs from its package index (or mirror); a URL bypasses both.
            problems.append(
                f"{index}: '{text}' points at a URL; name a package and its versions instead"
            )
            continue
        name = canonicalize_name(requirement.name)
        if name in seen:
            problems.append(f"{index}: '{requirement.name}' is already required at {seen[name]}")
            continue
        seen[name] = index
        parsed.append(requirement)
    return parsed, problems
