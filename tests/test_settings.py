"""Settings: defaults, environment overrides, validation at start-up, and docs/configuration.md lists
every setting with its real default."""

from __future__ import annotations

import pathlib
import subprocess
import sys

import pytest
from playmesh.runtime.errors import ConfigError
from playmesh.runtime.settings import SETTINGS_DOC, Settings, load_settings

ROOT = pathlib.Path(__file__).resolve().parents[1]


def test_environment_overrides_defaults() -> None:
    s = load_settings({"PLAYMESH_GATEWAY_PORT": "9090", "PLAYMESH_RATE_LIMIT_WRITES_PER_MINUTE": "5", "PLAYMESH_API_KEY_CACHE_SECONDS": "0.25", "HOME": "/x"})
    assert (s.gateway_port, s.rate_limit_writes_per_minute, s.api_key_cache_seconds) == (9090, 5, 0.25)
    assert load_settings({}).gateway_port == Settings().gateway_port == 8080


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"PLAYMESH_GATEWAY_PORT": "eighty"}, "not a valid int"),
        ({"PLAYMESH_GATEWAY_PORT": "70000"}, "must be a port"),
        ({"PLAYMESH_LOG_LEVEL": "loud"}, "LOG_LEVEL"),
        ({"PLAYMESH_API_KEY_CACHE_SECONDS": "2"}, "below 1"),
        ({"PLAYMESH_SECRET_KEY": "short"}, "at least 32"),
        ({"PLAYMESH_RATE_LIMIT_READS_PER_MINUTE": "-1"}, "negative"),
        ({"PLAYMESH_GATWAY_PORT": "1"}, "unknown setting PLAYMESH_GATWAY_PORT"),
    ],
)
def test_bad_settings_fail_loudly(env: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_settings(env)


def test_cli_refuses_bad_settings_before_starting() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "playmesh.cli", "up"], env={"PLAYMESH_LOG_LEVEL": "loud", "PATH": "/usr/bin"}, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2 and "configuration error" in result.stdout


def test_configuration_doc_lists_every_setting() -> None:
    doc = (ROOT / "docs" / "configuration.md").read_text()
    for name, default, _ in SETTINGS_DOC:
        assert f"`{name}`" in doc, f"{name} missing from docs/configuration.md"
        row = next(line for line in doc.splitlines() if f"`{name}`" in line)
        assert f"`{default}`" in row, f"{name}: default {default} not in its row"
