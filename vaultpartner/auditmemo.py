"""Per-note audit results kept between runs, so a run after a small change re-checks little.

A note's own findings (its file, its links) depend on its content, on the vault's layout (which
files exist, in which order, and which notes hold which aliases: that decides every
resolution, suggestion and link form), on the audit's options, and, for links with a heading or
block, on the content of the notes they point into. `AuditMemo` holds one layout's results;
an entry is reused only while its note and every note it read have the same content hash.

Encoded with marshal (plain tuples, several times faster than JSON for tens of thousands of
findings) behind a SHA-256 of the payload, so damaged bytes are detected, never decoded.
"""

from __future__ import annotations

import hashlib
import marshal
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from vaultpartner.findings import Finding

_FORMAT = 1


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
    depend on that the audit cannot see (a callable's configuration, the code's version)."""

    context: str = ""
    key: str = ""
    notes: dict[str, NoteAudit] = field(default_factory=dict)
    changed: bool = False


def encode_memo(memo: AuditMemo) -> bytes:
    return _seal(
        (
            memo.key,
            [
                (
                    path,
                    entry.content_hash,
                    entry.read,
                    [_finding_row(f) for f in entry.file_findings],
                    [_finding_row(f) for f in entry.link_findings],
                    entry.linked,
                )
                for path, entry in memo.notes.items()
            ],
        )
    )


def decode_memo(data: bytes, context: str) -> AuditMemo:
    """The memo in `data`; an empty one (for this context) if the bytes are damaged or old."""
    try:
        key, rows = _unseal(data)
        if not isinstance(key, str):
            return AuditMemo(context)
        notes = {
            path: NoteAudit(
                content_hash,
                tuple((target, digest) for target, digest in read),
                tuple(_finding(row) for row in file_rows),
                tuple(_finding(row) for row in link_rows),
                tuple(linked),
            )
            for path, content_hash, read, file_rows, link_rows, linked in rows
        }
    except (ValueError, EOFError, TypeError):
        return AuditMemo(context)
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
    """`value` marshalled with the format's version, behind a SHA-256 of the bytes."""
    payload = marshal.dumps((_FORMAT, value))
    return hashlib.sha256(payload).digest() + payload


def _unseal(data: bytes) -> Any:
    """What `_seal` sealed; ValueError when the bytes are damaged or of another format."""
    digest, payload = data[:32], data[32:]
    if hashlib.sha256(payload).digest() != digest:
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
