"""The agent's settings (pydantic-settings): a YAML file, overridden by `WOD_AGENT_<FIELD>`.

Read once by `cli`; every error names the file and the field (and the variable, when the value
came from the environment).
"""

from __future__ import annotations

import ipaddress
import json
import os
import sys
from collections.abc import Mapping
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlsplit

import yaml
from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import (
    BaseSettings,
    EnvSettingsSource,
    InitSettingsSource,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    SettingsError,
)

from .crash_points import parse_point

DEFAULT_CONFIG_PATH = Path("/etc/wod-agent/config.yml")
ENV_PREFIX = "WOD_AGENT_"
DEFAULT_METRICS_PORT = 9464  # Prometheus' port-allocation wiki lists 9464 for such exporters


class ConfigError(ValueError):
    """The configuration is unreadable or invalid; `problems` holds one line per field."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("invalid agent configuration:\n" + "\n".join(f"  {p}" for p in problems))


class AccountMode(StrEnum):
    SYSTEM = "system"  # Linux users studentN, PAM, the agent runs as root
    LOCAL = "local"  # no root: hashes in a file, servers run as the hub's user


class LogFormat(StrEnum):
    JSON = "json"  # one JSON object per line, for journald and log shippers
    TEXT = "text"  # for a person at a terminal


class AgentConfig(BaseSettings):
    # case_sensitive: a YAML key is a field name exactly (`Queue_URL` is a typo, refused);
    # environment variable names are matched in any case (`_EnvironSource`).
    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX, extra="forbid", frozen=True, case_sensitive=True
    )

    queue_url: str = Field(min_length=1, description="The backend's SQS order queue.")
    api_url: str = Field(pattern=r"^https?://", description="e.g. https://api.example.org/api")
    callback_secret: SecretStr | None = None
    callback_secret_file: Path | None = None
    hub_url: str = Field(pattern=r"^https?://", description="Public URL of the hub (notebooks).")
    hub_api_url: str = Field(
        pattern=r"^https?://", description="e.g. http://127.0.0.1:8000/hub/api"
    )
    hub_token: SecretStr | None = None
    hub_token_file: Path | None = None
    account_mode: AccountMode = AccountMode.SYSTEM
    allow_unsafe_local_mode: bool = Field(
        default=False, description="Accept local mode (demo, tests): see _local_mode_is_unsafe."
    )
    # NoDecode: the environment gives a JSON list or PATH-like text; `_split_dirs` reads both.
    workshops_dirs: Annotated[list[Path], NoDecode] = Field(
        min_length=1, description="Public dir first, then private."
    )
    homes_dir: Path = Path("/home")
    state_dir: Path = Path("/var/lib/wod-agent")
    branding_file: Path = Path("/etc/wod-agent/branding.yml")
    parallelism: int = Field(
        default_factory=lambda: default_parallelism(os.cpu_count()),
        ge=1,
        le=64,
        description="Seats worked on at once; default twice the CPUs (a deployment waits on "
        "the hub about half of its time), at least 2, at most 16.",
    )
    visibility_timeout: int = Field(default=300, ge=5, le=43_200)
    max_receives: int = Field(default=5, ge=1, le=1000)
    poll_wait_seconds: int = Field(default=20, ge=0, le=20)
    retry_delay: int = Field(
        default=30, ge=0, le=43_200, description="Before a failed order is retried."
    )
    playbook_timeout: int = Field(default=1800, ge=10)
    aws_region: str | None = None
    sqs_endpoint_url: str | None = None
    ansible_playbook: Path | None = Field(
        default=None, description="Defaults to the one beside this Python, then PATH."
    )
    kernel_python: Path | None = Field(
        default=None,
        description="The Python whose environment workshop kernels extend (requirements); "
        "default the agent's own. In system mode students must be able to run it.",
    )
    kernel_envs_dir: Path | None = Field(
        default=None, description="Where workshop kernels are kept; default state_dir/kernels."
    )
    log_format: LogFormat | None = Field(
        default=None, description="json or text; unset: json for `run`, text otherwise."
    )
    crash_at: list[str] = Field(
        default_factory=list,
        description="Fault-recovery tests only: `VERB:point` (taken, deployed, reported) where "
        "the agent exits at once, as if killed, the first time it gets there.",
    )
    metrics_host: str = Field(default="127.0.0.1", min_length=1)
    metrics_port: int = Field(
        default=DEFAULT_METRICS_PORT, ge=0, le=65_535, description="/healthz, /metrics; 0: off."
    )

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # The environment wins over the values given (the YAML file's, see `load_config`); no
        # .env file or secrets dir: the `*_file` fields name secret files explicitly.
        return _EnvironSource(settings_cls, os.environ), init_settings

    @field_validator("crash_at")
    @classmethod
    def _crash_points(cls, value: list[str]) -> list[str]:
        for point in value:
            parse_point(point)
        return value

    @field_validator("workshops_dirs", mode="before")
    @classmethod
    def _split_dirs(cls, value: Any) -> Any:
        if not isinstance(value, str):
            return value
        if value.lstrip().startswith("["):
            try:
                return json.loads(value)
            except json.JSONDecodeError as exc:
                raise ValueError(f"not a JSON list: {exc}") from exc
        return [part for part in value.split(os.pathsep) if part]  # paths separated like PATH

    @field_validator("api_url")
    @classmethod
    def _https_unless_loopback(cls, value: str) -> str:
        # The callback carries the new seat's password: never in clear over a network.
        if urlsplit(value).scheme == "http" and not is_loopback(value):
            raise ValueError(
                "http:// would send seat passwords in clear: use https:// "
                "(plain http is accepted for a loopback host only, e.g. 127.0.0.1)"
            )
        return value

    @model_validator(mode="after")
    def _local_mode_is_unsafe(self) -> AgentConfig:
        if self.account_mode is AccountMode.LOCAL and not self.allow_unsafe_local_mode:
            raise ValueError(
                "account_mode: local runs every participant's server as the agent's own user, "
                "who can read the callback secret, the journal and every seat's files: it is "
                "for the demo and tests only. Use system mode, or set "
                "allow_unsafe_local_mode: true to accept that"
            )
        return self

    @model_validator(mode="after")
    def _one_source_per_secret(self) -> AgentConfig:
        for name in ("callback_secret", "hub_token"):
            inline, file = getattr(self, name), getattr(self, f"{name}_file")
            if (inline is None) == (file is None):
                raise ValueError(f"{name}: give exactly one of {name} or {name}_file")
        return self

    def _secret(self, name: str) -> str:
        inline: SecretStr | None = getattr(self, name)
        if inline is not None:
            return inline.get_secret_value()
        path: Path = getattr(self, f"{name}_file")
        try:
            value = path.read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ConfigError([f"{name}_file: cannot read {path}: {exc.strerror}"]) from exc
        if not value:
            raise ConfigError([f"{name}_file: {path} is empty"])
        return value

    def callback_secret_bytes(self) -> bytes:
        return self._secret("callback_secret").encode()

    def hub_token_value(self) -> str:
        return self._secret("hub_token")

    @property
    def journal_path(self) -> Path:
        return self.state_dir / "journal.sqlite"

    @property
    def hub_passwords_dir(self) -> Path:
        """Local mode: one salted hash per student, read by `hub_auth.HashFileAuthenticator`."""
        return self.state_dir / "hub-passwords"

    @property
    def health_stale_after(self) -> float:
        """Seconds without a successful poll before /healthz turns 503.

        A poll lasts up to `poll_wait_seconds`; failed polls back off up to 60 s.
        """
        return float(self.poll_wait_seconds + 60)

    def playbook_binary(self) -> Path | None:
        if self.ansible_playbook is not None:
            return self.ansible_playbook
        beside = Path(sys.executable).parent / "ansible-playbook"
        return beside if beside.is_file() else None


class _EnvironSource(EnvSettingsSource):
    """`WOD_AGENT_*` variables of a given mapping (the process environment, or a test's)."""

    def __init__(self, settings_cls: type[BaseSettings], environ: Mapping[str, str]) -> None:
        self._environ = environ
        super().__init__(settings_cls, case_sensitive=False)

    def _load_env_vars(self) -> Mapping[str, str | None]:
        return {key.lower(): value for key, value in self._environ.items()}


def default_parallelism(cpus: int | None) -> int:
    return max(2, min(16, 2 * (cpus or 1)))


def is_loopback(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _read_file(path: Path, source: str, required: bool) -> dict[str, Any]:
    if not required and not path.exists():
        return {}
    try:
        loaded = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except OSError as exc:
        raise ConfigError([f"{source}: cannot read: {exc.strerror}"]) from exc
    except yaml.YAMLError as exc:
        raise ConfigError([f"{source}: not valid YAML: {exc}"]) from exc
    if not isinstance(loaded, dict):
        raise ConfigError([f"{source}: expected a mapping of fields"])
    return loaded


def load_config(path: Path | None, environ: Mapping[str, str] | None = None) -> AgentConfig:
    """The YAML file (if it exists, or if it was named) overlaid with the environment."""
    source = str(path or DEFAULT_CONFIG_PATH)
    file_values = _read_file(path or DEFAULT_CONFIG_PATH, source, required=path is not None)
    env_source = _EnvironSource(AgentConfig, os.environ if environ is None else environ)
    try:
        from_env = set(env_source())
        sources = (env_source, InitSettingsSource(AgentConfig, file_values))
        return AgentConfig(_build_sources=(sources, {}))
    except SettingsError as exc:
        raise ConfigError([f"{source}: environment {ENV_PREFIX}*: {exc}"]) from exc
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            field = ".".join(str(part) for part in err["loc"]) or "(config)"
            top = str(err["loc"][0]) if err["loc"] else ""
            origin = f" (value from {ENV_PREFIX}{top.upper()})" if top in from_env else ""
            problems.append(f"{source}: {field}: {err['msg']}{origin}")
        raise ConfigError(problems) from exc
