"""What vaultpartner remembers about the notes it generated: path -> hash of what it wrote.

Kept in the vault's state folder (never in the vault). A generated note whose bytes still hash
to the recorded value is "ours, untouched" and may be rewritten; once the user edits it, its hash
differs and it is never regenerated.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path

FILE_NAME = "generated.json"
SCHEMA = 1


@dataclass
class GeneratedState:
    """path -> sha256 of the bytes vaultpartner last wrote there."""

    hashes: dict[str, str] = field(default_factory=dict)

    def untouched(self, path: str, current_hash: str) -> bool:
        """True when the note is exactly what vaultpartner last wrote."""
        return self.hashes.get(path) == current_hash

    def known(self, path: str) -> bool:
        return path in self.hashes

    def record(self, path: str, digest: str) -> None:
        self.hashes[path] = digest

    def forget_missing(self, existing: Collection[str]) -> None:
        """Drop records of notes that no longer exist (deleted or moved by the user)."""
        for path in [p for p in self.hashes if p not in existing]:
            del self.hashes[path]


def load_state(state_dir: Path) -> GeneratedState:
    """The recorded hashes; an absent or damaged file means none (nothing is then rewritten)."""
    try:
        data = json.loads((state_dir / FILE_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return GeneratedState()
    if not isinstance(data, dict) or data.get("schema") != SCHEMA:
        return GeneratedState()
    notes = data.get("notes")
    if not isinstance(notes, dict):
        return GeneratedState()
    return GeneratedState(
        {str(k): str(v) for k, v in notes.items() if isinstance(k, str) and isinstance(v, str)}
    )


def save_state(state_dir: Path, state: GeneratedState) -> None:
    """Write the state file atomically (temp file + replace)."""
    state_dir.mkdir(parents=True, exist_ok=True)
    text = json.dumps(
        {"schema": SCHEMA, "notes": dict(sorted(state.hashes.items()))},
        ensure_ascii=False,
        indent=1,
    )
    fd, tmp = tempfile.mkstemp(prefix=".generated.", suffix=".tmp", dir=state_dir)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, state_dir / FILE_NAME)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
