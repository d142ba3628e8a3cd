"""The metadata of one workshop (`workshops/<ID>/workshop.yml`).

One model read by the catalog site, the table seeding and the backend agent.
"""

from __future__ import annotations

import json
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    HttpUrl,
    StringConstraints,
    ValidationInfo,
    field_validator,
    model_validator,
)

WorkshopId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]{1,63}$")]
BackendName = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{0,39}$")]
Tag = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9 +#.-]{0,30}$")]
# One pip requirement (`numpy>=1.26,<3`); its grammar is checked by `wod_contracts.requirements`.
RequirementText = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)
]

DEFAULT_REMINDER_MINUTES = 60
DEFAULT_WARM_SEATS = 2


class EndAction(StrEnum):
    """What the backend does to a seat when a session ends."""

    CLEANUP = "cleanup"
    RESET = "reset"


class SetupUser(StrEnum):
    """Who runs a workshop's `setup.yml` and `reset.yml` on a system-mode backend."""

    STUDENT = "student"  # the seat's own account: the least privilege, and the default
    ROOT = "root"  # for a step that needs it (a system package, a host service)


class Visibility(StrEnum):
    PUBLIC = "public"
    PRIVATE = "private"


class Level(StrEnum):
    BEGINNER = "beginner"
    INTERMEDIATE = "intermediate"
    ADVANCED = "advanced"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class StudentRange(_Strict):
    """Student accounts `studentFIRST`..`studentLAST` on the backend; the range is the capacity."""

    first: int = Field(ge=1, le=99_999)
    last: int = Field(ge=1, le=99_999)

    @model_validator(mode="after")
    def _ordered(self) -> StudentRange:
        if self.last < self.first:
            raise ValueError(f"last ({self.last}) is below first ({self.first})")
        return self

    @property
    def capacity(self) -> int:
        return self.last - self.first + 1

    def numbers(self) -> range:
        return range(self.first, self.last + 1)

    def overlaps(self, other: StudentRange) -> bool:
        return self.first <= other.last and other.first <= self.last


class Presenter(_Strict):
    name: str = Field(min_length=1, max_length=100)
    role: str = Field(default="", max_length=100)


class NotebookEntry(_Strict):
    """A lab notebook of the workshop and what it covers (shown on the workshop's page)."""

    file: str = Field(pattern=r"^[\w][\w .-]*\.ipynb$")
    title: str = Field(min_length=1, max_length=120)
    covers: str = Field(default="", max_length=500)


class Workshop(_Strict):
    """One workshop of the catalog."""

    id: WorkshopId
    title: str = Field(min_length=1, max_length=120)
    summary: str = Field(min_length=1, max_length=300)
    description: str = Field(min_length=1, max_length=10_000)
    duration_minutes: int = Field(ge=2, le=7 * 24 * 60)
    reminder_minutes_before_end: int | None = Field(
        default=None,
        ge=1,
        description="Defaults to 60 minutes; half the duration for sessions of an hour or less.",
    )
    students: StudentRange
    on_end: EndAction = EndAction.CLEANUP
    setup_runs_as: SetupUser = Field(
        default=SetupUser.STUDENT,
        description=(
            "Who runs setup.yml and reset.yml on the backend: the student's own account, or "
            "root for a step that needs it (see docs/workshop-authors.md)."
        ),
    )
    kernel: Literal["python3", "bash"] = "python3"
    tags: list[Tag] = Field(default_factory=list, max_length=10)
    level: Level = Level.BEGINNER
    presenter: Presenter
    survey_url: HttpUrl | None = Field(
        default=None, description="Falls back to the survey URL of branding.yml."
    )
    badge: str | None = Field(
        default=None,
        pattern=r"^[\w][\w.-]*\.svg$",
        description="An SVG file in the workshop's directory; if absent a branded one is made.",
    )
    warm_seats: int = Field(
        default=DEFAULT_WARM_SEATS,
        ge=0,
        le=1000,
        description="Free seats kept deployed ahead of time (notebooks and setup in place, no "
        "valid password), so that a registration gets its login in seconds. 0 turns it off; "
        "at most the capacity is kept warm.",
    )
    warm_server: bool = Field(
        default=False,
        description="Also keep the JupyterLab server of each warm seat running (memory on the "
        "hub host for each warm seat; the first click on Start then opens at once).",
    )
    self_extension_minutes: int | None = Field(
        default=None,
        ge=5,
        le=240,
        description="Lets a participant extend their session once, by this many minutes, from "
        "the status page while seats of this workshop are free (the reminder and the end move, "
        "a mail says the new end). Unset: no self-extension.",
    )
    visibility: Visibility = Visibility.PUBLIC
    active: bool = True
    backend: BackendName = "default"
    notebooks: list[NotebookEntry] = Field(default_factory=list, max_length=20)
    requirements: list[RequirementText] = Field(
        default_factory=list,
        max_length=50,
        description=(
            "pip requirements (e.g. `numpy>=1.26,<3`) installed for this workshop's python3 "
            "kernel, in one environment shared by all its seats."
        ),
    )

    @field_validator("requirements")
    @classmethod
    def _requirements_need_python(cls, value: list[str], info: ValidationInfo) -> list[str]:
        kernel = info.data.get("kernel")
        if value and kernel != "python3":
            raise ValueError(f"only a python3 workshop can have requirements (kernel is {kernel})")
        return value

    @model_validator(mode="after")
    def _reminder_inside_session(self) -> Workshop:
        minutes = self.reminder_minutes_before_end
        if minutes is not None and minutes >= self.duration_minutes:
            raise ValueError(
                f"reminder_minutes_before_end ({minutes}) must be shorter than "
                f"duration_minutes ({self.duration_minutes})"
            )
        return self

    @property
    def capacity(self) -> int:
        return self.students.capacity

    @property
    def warm_target(self) -> int:
        """How many free seats the cloud keeps prepared."""
        return min(self.warm_seats, self.capacity)

    @property
    def reminder_minutes(self) -> int:
        if self.reminder_minutes_before_end is not None:
            return self.reminder_minutes_before_end
        if self.duration_minutes > DEFAULT_REMINDER_MINUTES:
            return DEFAULT_REMINDER_MINUTES
        return self.duration_minutes // 2  # a short session is reminded at half-time


def json_schema() -> dict[str, object]:
    """The JSON Schema that editors use to check `workshop.yml` files."""
    schema = Workshop.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "Workshops-on-Demand workshop.yml"
    return schema


def json_schema_text() -> str:
    """`workshops/workshop.schema.json` exactly as `make schema` writes it."""
    return json.dumps(json_schema(), indent=2, ensure_ascii=False) + "\n"
