"""A plan: the changes a command decided on, each tied to the content it was decided from.

The one seam between deciding and doing: `mv`, `fix`, follow-ups and the watcher all produce a
Plan; `--dry-run` prints it as diffs; `vaultpartner.apply` carries it out safely.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from vaultpartner.edits import Edit


@dataclass(frozen=True, slots=True)
class FileMove:
    src: str
    dst: str
    expected_hash: str | None  # None for folders
    reason: str


@dataclass(frozen=True, slots=True)
class FileEdit:
    """Splices into one note, decided from the bytes whose hash is expected_hash."""

    path: str
    expected_hash: str
    edits: tuple[Edit, ...]
    reason: str


@dataclass(frozen=True, slots=True)
class FileCreate:
    path: str
    data: bytes
    reason: str


@dataclass
class Plan:
    moves: list[FileMove] = field(default_factory=list)
    edits: list[FileEdit] = field(default_factory=list)
    creates: list[FileCreate] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)  # what was decided against, and why

    @property
    def empty(self) -> bool:
        return not (self.moves or self.edits or self.creates)

    def count(self) -> int:
        return len(self.moves) + len(self.edits) + len(self.creates)
