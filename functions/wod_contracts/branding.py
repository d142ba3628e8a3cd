"""The organization's branding (`branding.yml`): read by the site, the mails and the agent.

Rebranding is a change of this file, never of code.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    EmailStr,
    Field,
    HttpUrl,
    StringConstraints,
    ValidationError,
)

from .catalog import CatalogError

Color = Annotated[str, StringConstraints(pattern=r"^#[0-9a-fA-F]{6}$")]


class Colors(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    primary: Color = "#01a982"
    accent: Color = "#425563"
    background: Color = "#ffffff"
    text: Color = "#1a1a1a"


class SocialLinks(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    website: HttpUrl | None = None
    linkedin: HttpUrl | None = None
    github: HttpUrl | None = None
    x: HttpUrl | None = None
    youtube: HttpUrl | None = None


class Branding(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1, max_length=80, description="The organization's name.")
    product_name: str = Field(default="Workshops-on-Demand", min_length=1, max_length=80)
    logo: str = Field(
        default="", description="Path of an SVG or PNG, relative to branding.yml; empty for none."
    )
    colors: Colors = Colors()
    site_url: HttpUrl
    sender: EmailStr = Field(description="The From address of every mail (verified in SES).")
    sender_name: str = Field(default="", max_length=80)
    reply_to: EmailStr | None = None
    support_email: EmailStr | None = None
    terms: str = Field(min_length=1, max_length=20_000, description="Markdown.")
    survey_url: HttpUrl
    social: SocialLinks = SocialLinks()

    @property
    def display_sender(self) -> str:
        return self.sender_name or self.product_name


def load_branding(path: Path) -> Branding:
    """Read branding.yml; errors name the file and the field."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise CatalogError([f"{path}: cannot read: {exc}"]) from exc
    try:
        return Branding.model_validate(data)
    except ValidationError as exc:
        raise CatalogError(
            [f"{path}: {'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()]
        ) from exc
