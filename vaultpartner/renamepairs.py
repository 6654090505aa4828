"""Which files of a watcher batch are renames of which, and which links a batch brought.

Pure: the engine (`vaultpartner.watcher`) looks at the disk and hands over what it saw.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field

from vaultpartner.digest import content_hash
from vaultpartner.index import VaultIndex
from vaultpartner.note import Note
from vaultpartner.paths import is_sync_conflict

EMPTY_IDENTITY = content_hash(b"")


@dataclass(frozen=True, slots=True)
class Batch:
    """What one batch saw, in the terms rename pairing needs."""

    removed: Sequence[str]  # indexed paths gone from the disk
    added: Mapping[str, str]  # path -> content identity, for new or changed files
    known: Mapping[str, str]  # path -> content identity before the batch
    indexed: Collection[str]  # paths in the index before the batch
    gone_recently: Mapping[str, tuple[str, float]]  # identity -> (path, when) gone lately
    moves: Sequence[tuple[str, str]] = ()  # (old, new) the observer reported, in order
    # new -> (old, when) of recent renames, chains kept (see earlier_names)
    undone: Mapping[str, tuple[str, float]] = field(default_factory=dict)


def pair_renames(batch: Batch) -> tuple[dict[str, str], list[str]]:
    """(old -> new renames, old paths whose content several files share: not guessed).

    A rename is one vanished file and one new file with the same content; or a new file with
    the content of one gone in a recent batch (its two halves fell into different batches);
    or a move the observer reported whose file changed again before the batch looked; or a
    recent rename undone (its new name gone, its old name back, whatever the content: a git
    checkout of a commit from before the rename).
    """
    by_identity: dict[str, list[str]] = {}
    for rel, identity in batch.added.items():
        # A file seen while still empty (a copy's create event comes before its bytes)
        # is still arriving when its content shows up (catalogue 20).
        if rel not in batch.indexed or batch.known.get(rel) == EMPTY_IDENTITY:
            by_identity.setdefault(identity, []).append(rel)
    vanished: dict[str, list[str]] = {}
    for rel in batch.removed:
        known = batch.known.get(rel)
        if known is not None:
            vanished.setdefault(known, []).append(rel)
    renames: dict[str, str] = {}
    shared: list[str] = []
    for identity, olds in vanished.items():
        news = by_identity.get(identity, [])
        if len(olds) == 1 and len(news) == 1 and not is_sync_conflict(news[0]):
            renames[olds[0]] = news[0]
        elif olds and news:
            shared.append(olds[0])
    renames.update(_split_renames(batch, by_identity, vanished))
    renames.update(_reported_moves(batch, renames))
    renames.update(_undone(batch, renames))
    return renames, shared


def earlier_names(recent: Mapping[str, tuple[str, float]], path: str) -> list[str]:
    """The names the note at `path` had before its recent renames, latest first.

    `recent` maps a new path to (old path, when). A chain is followed back (soak: a note
    renamed twice, then a checkout brought back its first name); a step recorded after the
    one it would precede is another note's rename into a name freed meanwhile, and ends it.
    """
    names: list[str] = []
    seen = {path}
    entry = recent.get(path)
    while entry is not None and entry[0] not in seen:
        name, when = entry
        names.append(name)
        seen.add(name)
        entry = recent.get(name)
        if entry is not None and entry[1] > when:
            break
    return names


def _undone(batch: Batch, renames: dict[str, str]) -> dict[str, str]:
    taken = set(renames.values())
    found: dict[str, str] = {}
    for new in batch.removed:
        if new in renames:
            continue
        for old in earlier_names(batch.undone, new):
            if old in batch.added and old not in taken and old not in batch.indexed:
                if not is_sync_conflict(old):
                    found[new] = old
                    taken.add(old)
                break
    return found


def _split_renames(
    batch: Batch, by_identity: dict[str, list[str]], vanished: dict[str, list[str]]
) -> dict[str, str]:
    """A rescan that listed the folder before the rename and looked at the file after it
    sees only the old name go; the new name comes with the next batch. Matched when exactly
    one new file has the content of one file gone a moment ago."""
    renames: dict[str, str] = {}
    for identity, news in by_identity.items():
        earlier = batch.gone_recently.get(identity)
        if earlier is None or identity in vanished or len(news) != 1:
            continue
        old, (new,) = earlier[0], news
        if old != new and old not in batch.indexed and not is_sync_conflict(new):
            renames[old] = new
    return renames


def _reported_moves(batch: Batch, renames: dict[str, str]) -> dict[str, str]:
    """Renames the observer reported whose file changed again before the batch looked
    (renamed, then edited at once: the contents no longer pair them up). Chains of moves
    in one batch are followed to where the file is now."""
    following = dict(batch.moves)
    taken = set(renames.values())
    found: dict[str, str] = {}
    for old in batch.removed:
        if old in renames or old not in following:
            continue
        new, visited = old, {old}
        while new in following and following[new] not in visited:
            new = following[new]
            visited.add(new)
        if new != old and new in batch.added and new not in taken and not is_sync_conflict(new):
            found[old] = new
            taken.add(new)
    return found


def fresh_links(
    before: VaultIndex, added: Mapping[str, Note | None], renames: Mapping[str, str]
) -> dict[str, set[str]]:
    """The link texts each note changed in this batch gained (a moved note: none).

    Whoever wrote them (git checking out another commit, Obsidian, sync, the user) wrote
    them for the vault as it is now, not as it was before the renames seen in the same
    batch: they are not rewritten for those renames while they open a note (catalogue 38).
    """
    moved_in = set(renames.values())
    fresh: dict[str, set[str]] = {}
    for rel, note in added.items():
        if rel in moved_in or note is None:
            continue
        old_note = before.notes.get(rel)
        old_raws = {link.raw for link in old_note.links} if old_note is not None else set()
        gained = {link.raw for link in note.links} - old_raws
        if gained:
            fresh[rel] = gained
    return fresh
