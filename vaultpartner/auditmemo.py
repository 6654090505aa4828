"""Per-note audit results kept between runs, so a run after a small change re-checks little.

A note's own findings (its file, its links) depend on its content, on the vault's layout (which
files exist, in which order, and which notes hold which aliases: that decides every
resolution, suggestion and link form), on the audit's options, and, for links with a heading or
block, on the content of the notes they point into. `AuditMemo` holds one layout's results;
an entry is reused only while its note and every note it read have the same content hash.

Each note's entry is encoded on its own with marshal (plain tuples, several times faster than
JSON for tens of thousands of findings) behind a CRC-32 of the payload, so damaged bytes are
detected, never decoded, and only the entries a run recomputed are stored again.
"""

from __future__ import annotations

import marshal
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from vaultpartner.findings import Finding

_FORMAT = 2


@dataclass(frozen=True, slots=True)
class NoteAudit:
    """What the per-note checks found for one note, and what they read to find it."""

    content_hash: str
    # Notes whose headings and blocks a link's subpath was checked against, with their hash
    # ("" for a path that is no readable note).
    read: tuple[tuple[str, str], ...]
    file_findings: tuple[Finding, ...]  # unreadable file, invalid frontmatter
    link_findings: tuple[Finding, ...]
    linked: tuple[str, ...]  # what its counted links open (the orphan check's edges)


@dataclass(slots=True)
class AuditMemo:
    """Per-note results for one layout (`key`); `context` names what the caller's options
    depend on that the audit cannot see (a callable's configuration, the code's version).

    What a run changed, for the caller to store: `fresh` (the layout changed, every entry is
    new), else the entries of `dirty` recomputed and those of `removed` gone.
    """

    context: str = ""
    key: str = ""
    notes: dict[str, NoteAudit] = field(default_factory=dict)
    fresh: bool = False
    dirty: set[str] = field(default_factory=set)
    removed: set[str] = field(default_factory=set)

    @property
    def changed(self) -> bool:
        return self.fresh or bool(self.dirty) or bool(self.removed)

    def stored(self) -> None:
        """Forget what changed: the caller has stored it."""
        self.fresh = False
        self.dirty.clear()
        self.removed.clear()


def encode_entry(entry: NoteAudit) -> bytes:
    return _seal(
        (
            entry.content_hash,
            entry.read,
            [_finding_row(f) for f in entry.file_findings],
            [_finding_row(f) for f in entry.link_findings],
            entry.linked,
        )
    )


def decode_entry(data: bytes) -> NoteAudit:
    """The entry in `data`; ValueError when the bytes are damaged or of another format."""
    try:
        content_hash, read, file_rows, link_rows, linked = _unseal(data)
        return NoteAudit(
            content_hash,
            tuple(read),  # marshal gives back the tuples of (path, hash) as they were
            tuple(map(_finding, file_rows)) if file_rows else (),
            tuple(map(_finding, link_rows)) if link_rows else (),
            tuple(linked),
        )
    except (EOFError, TypeError) as exc:
        raise ValueError(str(exc)) from None


def changed_entries(memo: AuditMemo) -> dict[str, bytes]:
    """The encoded entries to store: every entry of a fresh memo, else the dirty ones."""
    paths = memo.notes if memo.fresh else memo.dirty
    return {path: encode_entry(memo.notes[path]) for path in paths if path in memo.notes}


def decode_memo(key: str, entries: Mapping[str, bytes], context: str) -> AuditMemo:
    """The memo of stored entries; a damaged entry is left out (its note is checked again)."""
    notes: dict[str, NoteAudit] = {}
    for path, data in entries.items():
        try:
            notes[path] = decode_entry(data)
        except ValueError:
            continue
    return AuditMemo(context, key, notes)


def encode_findings(findings: Sequence[Finding], header: Any = None) -> bytes:
    """Findings (and a header of plain values) in the memo's checksummed form, for results
    kept whole: the audit's result, partnership findings."""
    return _seal((header, [_finding_row(f) for f in findings]))


def decode_findings(data: bytes) -> tuple[object, tuple[Finding, ...]] | None:
    """(header, findings) in `data`; None when the bytes are damaged or from another format."""
    try:
        header, rows = _unseal(data)
        return header, tuple(_finding(row) for row in rows)
    except (ValueError, EOFError, TypeError):
        return None


def _seal(value: Any) -> bytes:
    """`value` marshalled with the format's version, behind a CRC-32 of the bytes."""
    payload = marshal.dumps((_FORMAT, value))
    return zlib.crc32(payload).to_bytes(4, "big") + payload


def _unseal(data: bytes) -> Any:
    """What `_seal` sealed; ValueError when the bytes are damaged or of another format."""
    payload = memoryview(data)[4:]
    if len(data) < 4 or zlib.crc32(payload) != int.from_bytes(data[:4], "big"):
        raise ValueError("checksum mismatch")
    version, value = marshal.loads(payload)  # noqa: S302 - checksummed, our own bytes
    if version != _FORMAT:
        raise ValueError(f"format {version!r}")
    return value


def _finding_row(f: Finding) -> tuple[Any, ...]:
    return (f.code, f.severity, f.path, f.line, f.column, f.message, f.target,
            f.suggestions, f.candidates, f.offset, f.literals)  # fmt: skip


def _finding(row: tuple[Any, ...]) -> Finding:
    (code, severity, path, line, column, message, target,
     suggestions, candidates, offset, literals) = row  # fmt: skip
    return Finding(code, severity, path, line, column, message, target,
                   tuple(suggestions), tuple(candidates), offset, tuple(literals))  # fmt: skip
