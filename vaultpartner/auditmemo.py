"""Per-note audit results kept between runs, so a run after a small change re-checks little.

A note's own findings (its file, its links) depend on its content, on the vault's layout (which
files exist, in which order, and which notes hold which aliases: that decides every
resolution, suggestion and link form), on the audit's options, and, for links with a heading or
block, on the content of the notes they point into. `AuditMemo` holds one layout's results;
an entry is reused only while its note and every note it read have the same content hash.

Entries are encoded in buckets with marshal (plain tuples, several times faster than JSON for
tens of thousands of findings) behind a CRC-32 of the payload, so damaged bytes are detected,
never decoded, and only the buckets holding what a run recomputed are stored again.
"""

from __future__ import annotations

import marshal
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from vaultpartner.findings import Finding

_FORMAT = 3


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


# Entries are stored in buckets by path: one changed note rewrites its bucket (a 256th of the
# memo), while a cold run writes a few hundred rows rather than one per note (50,000 rows cost
# most of a second, and each row would repeat what marshal shares within one).
BUCKETS = 256


def bucket_of(path: str) -> str:
    return str(zlib.crc32(path.encode("utf-8")) % BUCKETS)


def _entry_row(entry: NoteAudit, position: Mapping[str, int]) -> tuple[Any, ...]:
    return (
        entry.content_hash,
        tuple((position.get(path, path), digest) for path, digest in entry.read),
        [_finding_row(f) for f in entry.file_findings],
        [_finding_row(f) for f in entry.link_findings],
        _encode_paths(entry.linked, position),
    )


def _encode_paths(paths: tuple[str, ...], position: Mapping[str, int]) -> tuple[int | str, ...]:
    try:
        return tuple(map(position.__getitem__, paths))
    except KeyError:  # not a file of the layout: kept as it is (never seen so far)
        return tuple(position.get(path, path) for path in paths)


def _decode_paths(items: Sequence[int | str], files: Sequence[str]) -> tuple[str, ...]:
    try:
        return tuple(map(files.__getitem__, items))  # type: ignore[arg-type]
    except TypeError:
        return tuple(_decode_path(item, files) for item in items)


def _decode_path(item: int | str, files: Sequence[str]) -> str:
    return item if isinstance(item, str) else files[item]


def _entry(row: Sequence[Any], files: Sequence[str]) -> NoteAudit:
    content_hash, read, file_rows, link_rows, linked = row
    return NoteAudit(
        content_hash,
        tuple((_decode_path(item, files), digest) for item, digest in read) if read else (),
        tuple(map(_finding, file_rows)) if file_rows else (),
        tuple(map(_finding, link_rows)) if link_rows else (),
        _decode_paths(linked, files),
    )


def _positions(files: Sequence[str]) -> dict[str, int]:
    return {path: index for index, path in enumerate(files)}


def changed_buckets(memo: AuditMemo, files: Sequence[str]) -> dict[str, bytes]:
    """The encoded buckets to store: all of a fresh memo, else those holding a note that was
    recomputed or is gone.

    `files`: the vault's files in index order, the layout the memo's key stands for. Paths
    are stored as positions in it (the orphan check's edges were three fifths of the bytes);
    `decode_memo` is given the files of its run, which are these while the key still holds.
    """
    paths = memo.notes if memo.fresh else memo.dirty | memo.removed
    wanted = {bucket_of(path) for path in paths}
    position = _positions(files)
    members: dict[str, dict[str, tuple[Any, ...]]] = {bucket: {} for bucket in wanted}
    for path, entry in memo.notes.items():
        bucket = bucket_of(path)
        if bucket in members:
            members[bucket][path] = _entry_row(entry, position)
    return {bucket: _seal(entries) for bucket, entries in members.items()}


def decode_memo(
    key: str, buckets: Mapping[str, bytes], context: str, files: Sequence[str]
) -> AuditMemo:
    """The memo of stored buckets; a damaged bucket is left out (its notes are checked again).

    Entries decoded with other `files` than they were stored with are never used: the layout
    differs, so the key does, and the audit starts the memo afresh."""
    notes: dict[str, NoteAudit] = {}
    for bucket, data in buckets.items():
        try:
            entries = {path: _entry(row, files) for path, row in _unseal(data).items()}
        except (ValueError, EOFError, TypeError, AttributeError, IndexError):
            continue
        if all(bucket_of(path) == bucket for path in entries):
            notes.update(entries)
    return AuditMemo(context, key, notes)


def encode_share(
    entries: Mapping[str, NoteAudit], files: Sequence[str], extra: Any = None
) -> bytes:
    """Per-note results computed by a helper process, with a value of plain data besides
    (the near misses it found), for `decode_share` with the same `files`."""
    position = _positions(files)
    return _seal((extra, {path: _entry_row(entry, position) for path, entry in entries.items()}))


def decode_share(data: bytes, files: Sequence[str]) -> tuple[Any, dict[str, NoteAudit]] | None:
    """(extra, entries) of `encode_share`; None when the bytes are damaged."""
    try:
        extra, rows = _unseal(data)
        return extra, {path: _entry(row, files) for path, row in rows.items()}
    except (ValueError, EOFError, TypeError, AttributeError, IndexError):
        return None


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
