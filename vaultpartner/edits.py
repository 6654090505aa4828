"""Splicing edits into a note's text: only the bytes of the edited spans change."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from vaultpartner.note import BOM


@dataclass(frozen=True, slots=True)
class Edit:
    """Replace text[start:end] (character offsets, BOM excluded), which must equal `old`."""

    start: int
    end: int
    old: str
    new: str


class EditMismatch(Exception):
    """The text at an edit's span is not what the plan saw: the note changed meanwhile."""


def apply_edits(text: str, edits: Sequence[Edit]) -> str:
    """Apply non-overlapping edits; every span is checked against its expected old text."""
    ordered = sorted(edits, key=lambda edit: edit.start)
    pieces: list[str] = []
    position = 0
    for edit in ordered:
        if edit.start < position:
            raise EditMismatch(f"overlapping edits at offset {edit.start}")
        if text[edit.start : edit.end] != edit.old:
            raise EditMismatch(f"expected {edit.old!r} at offset {edit.start}")
        pieces.append(text[position : edit.start])
        pieces.append(edit.new)
        position = edit.end
    pieces.append(text[position:])
    return "".join(pieces)


def decode_note(data: bytes) -> tuple[str, bool]:
    """(text without BOM, had BOM); raises UnicodeDecodeError for non-UTF-8 bytes."""
    text = data.decode("utf-8")
    if text.startswith(BOM):
        return text[1:], True
    return text, False


def encode_note(text: str, bom: bool) -> bytes:
    return ((BOM if bom else "") + text).encode("utf-8")


def splice_bytes(data: bytes, edits: Sequence[Edit]) -> bytes:
    """The note's bytes with the edits applied; BOM and every other byte kept."""
    text, bom = decode_note(data)
    return encode_note(apply_edits(text, edits), bom)
