"""Notes open in Obsidian, read from workspace.json (catalogue case 36)."""

from __future__ import annotations

import json
import os
from pathlib import Path

from vaultpartner.workspace import OpenNotes, open_notes

WORKSPACE = {
    "main": {
        "id": "m",
        "type": "split",
        "children": [
            {
                "type": "tabs",
                "children": [
                    {"type": "leaf", "state": {"type": "markdown", "state": {"file": "A.md"}}},
                    {
                        "type": "leaf",
                        "state": {"type": "markdown", "state": {"file": "Люди/Анна.md"}},
                    },
                    {"type": "leaf", "state": {"type": "pdf", "state": {"file": "cv.pdf"}}},
                ],
            },
            {"type": "tabs", "children": [{"type": "leaf", "state": {"type": "empty"}}]},
        ],
    },
    "left": {
        "type": "split",
        "children": [{"type": "leaf", "state": {"type": "file-explorer", "state": {}}}],
    },
    "right": {
        "type": "split",
        "children": [
            {"type": "leaf", "state": {"type": "backlink", "state": {"file": "A.md"}}},
            {"type": "leaf", "state": {"type": "outline", "state": {"file": "B.md"}}},
        ],
    },
    "active": "m",
    "lastOpenFiles": ["C.md", "D.md"],
}


def test_open_notes_are_the_markdown_tabs() -> None:
    assert open_notes(json.dumps(WORKSPACE).encode()) == {"A.md", "Люди/Анна.md"}


def test_a_damaged_or_foreign_workspace_file_means_none_open() -> None:
    assert open_notes(b"{not json") == frozenset()
    assert open_notes(b"[1, 2]") == frozenset()
    assert open_notes(b'{"main": {"type": "leaf", "state": "x"}}') == frozenset()
    deep: dict[str, object] = {"type": "leaf", "state": {"type": "markdown", "state": {}}}
    for _ in range(200):
        deep = {"type": "split", "children": [deep]}
    assert open_notes(json.dumps({"main": deep}).encode()) == frozenset()


def test_decomposed_names_are_read_as_nfc() -> None:
    leaf = {"type": "leaf", "state": {"type": "markdown", "state": {"file": "Йога.md"}}}
    data = json.dumps({"main": leaf}, ensure_ascii=False).encode()
    decomposed = data.replace("Й".encode(), "И\u0306".encode())
    assert open_notes(decomposed) == {"Йога.md"}


def test_open_notes_follow_the_files_as_they_change(tmp_path: Path) -> None:
    folder = tmp_path / ".obsidian"
    reader = OpenNotes(folder)
    assert reader() == frozenset()
    folder.mkdir()
    (folder / "workspace.json").write_text(json.dumps(WORKSPACE), encoding="utf-8")
    assert reader() == {"A.md", "Люди/Анна.md"}
    mobile = {"main": {"type": "leaf", "state": {"type": "markdown", "state": {"file": "M.md"}}}}
    (folder / "workspace-mobile.json").write_text(json.dumps(mobile), encoding="utf-8")
    assert reader() == {"A.md", "Люди/Анна.md", "M.md"}
    os.remove(folder / "workspace.json")
    assert reader() == {"M.md"}
