"""Notes open in Obsidian, from the config folder's workspace files (catalogue case 36).

`workspace.json` (desktop) and `workspace-mobile.json` list the open tabs. They are
undocumented and per device, so vaultpartner uses them only to *defer* a write (with
`[watch] defer_open_notes = true`), never to decide that a write is safe. A file that is
missing or not understood means "no note known to be open".
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

from vaultpartner.paths import nfc

WORKSPACE_FILES = ("workspace.json", "workspace-mobile.json")


def open_notes(data: bytes) -> frozenset[str]:
    """Vault paths of the Markdown notes open in tabs, read from one workspace file's bytes."""
    try:
        document = json.loads(data)
    except ValueError:
        return frozenset()
    if not isinstance(document, dict):
        return frozenset()
    found: set[str] = set()
    for part in ("main", "left", "right", "floating"):
        for leaf in _leaves(document.get(part)):
            state = leaf.get("state")
            if not isinstance(state, dict) or state.get("type") != "markdown":
                continue  # backlinks, outline and the like name a note without editing it
            inner = state.get("state")
            file = inner.get("file") if isinstance(inner, dict) else None
            if isinstance(file, str) and file:
                found.add(nfc(file))
    return frozenset(found)


def _leaves(node: object, depth: int = 0) -> Iterator[dict[str, object]]:
    if not isinstance(node, dict) or depth > 64:  # a hand-edited file must not recurse forever
        return
    if node.get("type") == "leaf":
        yield node
        return
    children = node.get("children")
    if isinstance(children, list):
        for child in children:
            yield from _leaves(child, depth + 1)


class OpenNotes:
    """The notes open in Obsidian now, re-read only when a workspace file changes."""

    def __init__(self, config_folder: Path) -> None:
        self._files = [config_folder / name for name in WORKSPACE_FILES]
        self._seen: tuple[tuple[int, int] | None, ...] = ()
        self._open: frozenset[str] = frozenset()

    def __call__(self) -> frozenset[str]:
        stamps = tuple(_stamp(path) for path in self._files)
        if stamps != self._seen:
            found: set[str] = set()
            for path, stamp in zip(self._files, stamps, strict=True):
                if stamp is None:
                    continue
                try:
                    found |= open_notes(path.read_bytes())
                except OSError:
                    continue
            self._seen, self._open = stamps, frozenset(found)
        return self._open


def _stamp(path: Path) -> tuple[int, int] | None:
    try:
        info = os.stat(path)
    except OSError:
        return None
    return info.st_mtime_ns, info.st_size
