"""The per-user state folder: cache, index snapshot, journal, lock and logs live here.

Nothing but vaultpartner.toml is ever kept inside a vault. This module is the only
importer of platformdirs.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
import unicodedata
from datetime import UTC, datetime
from pathlib import Path

import platformdirs

from vaultpartner.errors import ConfigError

APP_NAME = "vaultpartner"
VAULT_INFO_FILE = "vault.json"
_UNSAFE = re.compile(r"[^\w.-]+")
_SLUG_MAX = 40


def state_base(override: Path | None = None) -> Path:
    """The state root: the override (e.g. --state-dir) or the per-user state directory.

    On Linux the default honours $XDG_STATE_HOME (else ~/.local/state/vaultpartner).
    """
    if override is not None:
        return Path(os.path.abspath(os.path.expanduser(override)))
    return Path(os.path.abspath(platformdirs.user_state_dir(APP_NAME)))


def vault_key(vault_root: Path) -> str:
    """The identity of a vault: its real path (symlinks resolved), NFC."""
    return unicodedata.normalize("NFC", os.path.realpath(vault_root))


def _slug(name: str) -> str:
    slug = _UNSAFE.sub("-", unicodedata.normalize("NFC", name)).strip("-.")
    return slug[:_SLUG_MAX].rstrip("-.") or "vault"


def vault_state_dir(vault_root: Path, *, override: Path | None = None) -> Path:
    """<base>/vaults/<slug>-<sha256(real path)[:12]>; computed only, nothing is created."""
    key = vault_key(vault_root)
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:12]
    return state_base(override) / "vaults" / f"{_slug(os.path.basename(key))}-{digest}"


def _is_inside(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


def ensure_vault_state_dir(vault_root: Path, *, override: Path | None = None) -> Path:
    """Create the vault's state folder (mode 0o700) and write/refresh its vault.json."""
    key = vault_key(vault_root)
    state_dir = vault_state_dir(vault_root, override=override)
    if _is_inside(unicodedata.normalize("NFC", os.path.realpath(state_dir)), key):
        raise ConfigError(
            f"the state folder {state_dir} would be inside the vault",
            path=key,
            hint="vaultpartner keeps nothing but vaultpartner.toml in a vault; "
            "pass --state-dir with a folder outside the vault",
        )
    try:
        base = state_dir.parent.parent
        base.parent.mkdir(parents=True, exist_ok=True)
        for folder in (base, state_dir.parent, state_dir):
            folder.mkdir(mode=0o700, exist_ok=True)
        _refresh_vault_info(state_dir / VAULT_INFO_FILE, key)
    except OSError as exc:
        raise ConfigError(
            f"cannot create the state folder: {exc.strerror or exc}",
            path=str(state_dir),
            hint="pass --state-dir with a writable folder outside the vault",
        ) from None
    return state_dir


def _refresh_vault_info(info_path: Path, key: str) -> None:
    """Keep an existing vault.json for the same vault; otherwise write a new one atomically."""
    try:
        old = json.loads(info_path.read_text(encoding="utf-8"))
        if (
            isinstance(old, dict)
            and old.get("vault") == key
            and isinstance(old.get("created"), str)
        ):
            return
    except (OSError, ValueError):
        pass
    created = datetime.now(UTC).isoformat(timespec="seconds")
    text = json.dumps({"vault": key, "created": created}, ensure_ascii=False, indent=2) + "\n"
    fd, tmp = tempfile.mkstemp(prefix=".vault.", suffix=".tmp", dir=info_path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, info_path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
