"""Agent settings: YAML plus WOD_AGENT_* overrides; errors name the field."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

import pytest
import yaml

from wod_agent.cli import main
from wod_agent.config import AccountMode, ConfigError, load_config

BASE: dict[str, object] = {
    "queue_url": "https://sqs.eu-west-1.amazonaws.com/1/orders.fifo",
    "api_url": "https://api.example.org/api",
    "callback_secret": "s3cret-s3cret-s3cret",
    "hub_url": "https://hub.example.org",
    "hub_api_url": "http://127.0.0.1:8081/hub/api",
    "hub_token_file": "/etc/wod-agent/hub-token",
    "workshops_dirs": ["/srv/workshops/public", "/srv/workshops/private"],
}


def write(tmp_path: Path, data: Mapping[str, object]) -> Path:
    path = tmp_path / "config.yml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def test_defaults_and_file_values(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, BASE), environ={})
    assert config.account_mode is AccountMode.SYSTEM
    assert config.workshops_dirs == [Path("/srv/workshops/public"), Path("/srv/workshops/private")]
    assert config.parallelism == 4 and config.max_receives == 5
    assert config.callback_secret_bytes() == b"s3cret-s3cret-s3cret"


def test_environment_overrides_the_file(tmp_path: Path) -> None:
    environ = {
        "WOD_AGENT_PARALLELISM": "8",
        "WOD_AGENT_ACCOUNT_MODE": "local",
        "WOD_AGENT_ALLOW_UNSAFE_LOCAL_MODE": "true",
        "WOD_AGENT_WORKSHOPS_DIRS": "/a:/b",
    }
    config = load_config(write(tmp_path, BASE), environ=environ)
    assert config.parallelism == 8
    assert config.account_mode is AccountMode.LOCAL
    assert config.workshops_dirs == [Path("/a"), Path("/b")]
    as_json = load_config(write(tmp_path, BASE), environ={"WOD_AGENT_WORKSHOPS_DIRS": '["/c"]'})
    assert as_json.workshops_dirs == [Path("/c")]


def test_errors_name_the_field(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(write(tmp_path, {**BASE, "parallelism": 0, "account_mode": "cloud"}), {})
    text = str(caught.value)
    assert "parallelism" in text and "account_mode" in text and "config.yml" in text


def test_a_secret_needs_exactly_one_source(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="hub_token: give exactly one"):
        load_config(write(tmp_path, {**BASE, "hub_token": "inline-too"}), {})
    missing = {k: v for k, v in BASE.items() if k != "callback_secret"}
    with pytest.raises(ConfigError, match="callback_secret"):
        load_config(write(tmp_path, missing), {})


def test_unknown_fields_and_missing_files_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="queue_urll"):
        load_config(write(tmp_path, {**BASE, "queue_urll": "typo"}), {})
    with pytest.raises(ConfigError, match="cannot read"):
        load_config(tmp_path / "absent.yml", {})


def test_secret_file_problems_name_the_field(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, {**BASE, "hub_token_file": str(tmp_path / "no")}), {})
    with pytest.raises(ConfigError, match="hub_token_file"):
        config.hub_token_value()


def test_an_environment_error_names_the_variable(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(write(tmp_path, BASE), {"WOD_AGENT_METRICS_PORT": "70000"})
    [line] = caught.value.problems
    assert line.startswith(f"{tmp_path / 'config.yml'}: metrics_port: ")
    assert line.endswith("(value from WOD_AGENT_METRICS_PORT)")
    with pytest.raises(ConfigError, match="WOD_AGENT_WORKSHOPS_DIRS"):
        load_config(write(tmp_path, BASE), {"WOD_AGENT_WORKSHOPS_DIRS": "[not json"})


def test_operations_settings_have_safe_defaults(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, BASE), environ={})
    assert (config.metrics_host, config.metrics_port) == ("127.0.0.1", 9464)
    assert config.log_format is None  # json for `run`, text for a person (see cli)
    changed = load_config(
        write(tmp_path, {**BASE, "log_format": "text"}), {"WOD_AGENT_METRICS_PORT": "0"}
    )
    assert changed.metrics_port == 0 and changed.log_format == "text"
    with pytest.raises(ConfigError, match="log_format"):
        load_config(write(tmp_path, {**BASE, "log_format": "xml"}), {})


def test_yaml_keys_are_field_names_exactly(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="Queue_Url: Extra inputs"):
        load_config(write(tmp_path, {**BASE, "Queue_Url": "typo"}), {})


def test_the_shipped_example_is_a_valid_config() -> None:
    example = Path(__file__).resolve().parents[3] / "backend_agent/config.example.yml"
    config = load_config(example, environ={})
    assert config.metrics_port == 9464 and config.account_mode is AccountMode.SYSTEM


def test_local_mode_needs_an_explicit_setting_and_says_why(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(write(tmp_path, {**BASE, "account_mode": "local"}), {})
    text = str(caught.value)
    assert "allow_unsafe_local_mode" in text
    assert "as the agent's own user" in text and "callback secret" in text
    accepted = {**BASE, "account_mode": "local", "allow_unsafe_local_mode": True}
    assert load_config(write(tmp_path, accepted), {}).account_mode is AccountMode.LOCAL
    # System mode needs no such setting
    assert load_config(write(tmp_path, BASE), {}).allow_unsafe_local_mode is False


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8080/api",
        "http://127.8.9.10/api",
        "http://localhost:3000/api",
        "http://[::1]:8080/api",
        "https://api.example.org/api",
        "https://10.0.0.5/api",
    ],
)
def test_api_url_is_https_or_loopback(tmp_path: Path, url: str) -> None:
    assert load_config(write(tmp_path, {**BASE, "api_url": url}), {}).api_url == url


@pytest.mark.parametrize(
    "url",
    [
        "http://api.example.org/api",
        "http://10.0.0.5:8080/api",
        "http://localhost.example.org/api",
        "http://[::ffff:10.0.0.1]/api",
    ],
)
def test_api_url_in_clear_over_a_network_is_refused(tmp_path: Path, url: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(write(tmp_path, {**BASE, "api_url": url}), {})
    text = str(caught.value)
    assert "api_url" in text and "in clear" in text and "https://" in text


def test_the_agent_refuses_to_start_in_local_mode_without_the_setting(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in [k for k in os.environ if k.startswith("WOD_AGENT_")]:
        monkeypatch.delenv(name)
    config = write(tmp_path, {**BASE, "account_mode": "local"})
    assert main(["--config", str(config), "run"]) == 2
    assert "for the demo and tests only" in capsys.readouterr().err


def test_parallelism_follows_the_cpu_count() -> None:
    from wod_agent.config import default_parallelism

    assert [default_parallelism(n) for n in (None, 1, 2, 4, 64)] == [2, 2, 4, 8, 16]
