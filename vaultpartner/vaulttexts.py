"""Note texts of a loaded vault, read from disk on first use (the hub and partnership checks
read only the few notes they need)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path

from vaultpartner.edits import decode_note
from vaultpartner.vaultfs import LoadedVault


class VaultTexts(Mapping[str, str]):
    """Note texts (UTF-8, BOM removed), read from disk on first use."""

    def __init__(self, vault: LoadedVault) -> None:
        self._vault = vault
        self._cache: dict[str, str | None] = {}

    def _load(self, path: str) -> str | None:
        if path not in self._cache:
            text: str | None = None
            os_path = self._vault.os_paths.get(path)
            if os_path is not None and path in self._vault.index.notes:
                try:
                    text = decode_note(Path(os_path).read_bytes())[0]
                except (OSError, UnicodeDecodeError):
                    text = None
            self._cache[path] = text
        return self._cache[path]

    def __getitem__(self, path: str) -> str:
        text = self._load(path)
        if text is None:
            raise KeyError(path)
        return text

    def __iter__(self) -> Iterator[str]:
        return iter(self._vault.index.notes)

    def __len__(self) -> int:
        return len(self._vault.index.notes)
