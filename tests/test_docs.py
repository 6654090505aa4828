"""The README is part of the product: its example config loads, its commands exist."""

from __future__ import annotations

import re
from pathlib import Path

from vaultpartner.cli import main
from vaultpartner.config import load_config

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


def test_the_readme_configuration_example_is_valid(tmp_path: Path) -> None:
    block = re.search(r"```toml\n(language = .*?)```", README, re.DOTALL)
    assert block is not None
    (tmp_path / "vaultpartner.toml").write_text(block.group(1), encoding="utf-8")
    loaded = load_config(tmp_path)
    assert loaded.config.partners.tag_cadences == {"agency": "6w"}
    assert len(loaded.config.hubs.rules) == 4


def test_every_command_is_documented_in_the_readme() -> None:
    for name in main.commands:  # type: ignore[attr-defined]
        assert f"vaultpartner {name}" in README, name


def test_the_readme_starts_with_the_two_setup_commands() -> None:
    commands = re.findall(r"```sh\n(.*?)\n```", README, re.DOTALL)[:2]
    assert "vaultpartner demo" in commands[0]
    assert "pytest" in commands[1]
    assert "'.[test]'" in commands[1]
