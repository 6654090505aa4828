"""The per-user state folder lives outside the vault and is keyed by the vault's real path."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from vaultpartner.errors import ConfigError
from vaultpartner.state import ensure_vault_state_dir, state_base, vault_state_dir


@pytest.fixture
def vault(tmp_path: Path) -> Path:
    root = tmp_path / "My Vault: Работа"
    root.mkdir()
    return root


def test_state_base_honours_xdg_state_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "xdg"))
    assert state_base() == tmp_path / "xdg" / "vaultpartner"
    monkeypatch.delenv("XDG_STATE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert state_base() == tmp_path / "home" / ".local" / "state" / "vaultpartner"


def test_override_wins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, vault: Path) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "xdg"))
    override = tmp_path / "custom"
    assert state_base(override) == override
    state = vault_state_dir(vault, override=override)
    assert state.parent == override / "vaults"


def test_vault_state_dir_is_computed_without_creating(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, vault: Path
) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "xdg"))
    state = vault_state_dir(vault)
    assert state.parent == tmp_path / "xdg" / "vaultpartner" / "vaults"
    slug, _, digest = state.name.rpartition("-")
    assert slug == "My-Vault-Работа"
    assert len(digest) == 12
    assert int(digest, 16) >= 0
    assert not (tmp_path / "xdg").exists()


def test_symlinked_vault_shares_state(tmp_path: Path, vault: Path) -> None:
    link = tmp_path / "link-to-vault"
    link.symlink_to(vault, target_is_directory=True)
    override = tmp_path / "state"
    assert vault_state_dir(link, override=override) == vault_state_dir(vault, override=override)
    dotted = tmp_path / "x" / ".." / vault.name
    assert vault_state_dir(dotted, override=override) == vault_state_dir(vault, override=override)
    other = tmp_path / "other"
    other.mkdir()
    assert vault_state_dir(other, override=override) != vault_state_dir(vault, override=override)


def test_nfd_spelling_shares_state(tmp_path: Path) -> None:
    nfc = tmp_path / "Й"
    nfc.mkdir()
    override = tmp_path / "state"
    nfd = tmp_path / "И\u0306"
    # Linux keeps names byte-exact, so the NFD spelling is a different (missing) folder;
    # only the key normalisation is under test here.
    assert vault_state_dir(nfd, override=override) == vault_state_dir(nfc, override=override)


def test_ensure_creates_private_folder_and_vault_json(tmp_path: Path, vault: Path) -> None:
    override = tmp_path / "state"
    state = ensure_vault_state_dir(vault, override=override)
    assert state == vault_state_dir(vault, override=override)
    assert state.is_dir()
    assert stat.S_IMODE(state.stat().st_mode) == 0o700
    info = json.loads((state / "vault.json").read_text(encoding="utf-8"))
    assert info["vault"] == os.path.realpath(vault)
    assert "T" in info["created"]
    # Refreshing keeps the original creation time; a damaged file is rewritten.
    (state / "vault.json").write_text(json.dumps({"vault": info["vault"], "created": "then"}))
    ensure_vault_state_dir(vault, override=override)
    assert json.loads((state / "vault.json").read_text())["created"] == "then"
    (state / "vault.json").write_text("{broken")
    ensure_vault_state_dir(vault, override=override)
    assert json.loads((state / "vault.json").read_text())["vault"] == info["vault"]
    assert sorted(p.name for p in state.iterdir()) == ["vault.json"]


def test_refuses_state_inside_vault(tmp_path: Path, vault: Path) -> None:
    with pytest.raises(ConfigError, match="inside the vault") as info:
        ensure_vault_state_dir(vault, override=vault / ".state")
    assert info.value.hint is not None
    assert "--state-dir" in info.value.hint
    assert not (vault / ".state").exists()


def test_refuses_state_inside_vault_through_symlink(tmp_path: Path, vault: Path) -> None:
    sneaky = tmp_path / "sneaky"
    sneaky.symlink_to(vault, target_is_directory=True)
    with pytest.raises(ConfigError, match="inside the vault"):
        ensure_vault_state_dir(vault, override=sneaky / "state")
    assert list(vault.iterdir()) == []


def test_sibling_with_common_prefix_is_not_inside(tmp_path: Path, vault: Path) -> None:
    sibling = tmp_path / f"{vault.name}-state"
    state = ensure_vault_state_dir(vault, override=sibling)
    assert state.is_dir()


def test_xdg_default_is_used_by_ensure(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, vault: Path
) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "xdg"))
    state = ensure_vault_state_dir(vault)
    assert state.parent.parent == tmp_path / "xdg" / "vaultpartner"
    assert (state / "vault.json").is_file()
