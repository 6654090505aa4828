"""Which notes the partnership checks read: their findings cannot change while these notes,
the vault's files and the settings stay the same, whatever happens to the other notes."""

from __future__ import annotations

from collections.abc import Iterator

from vaultpartner.config import PartnersConfig
from vaultpartner.index import VaultIndex
from vaultpartner.note import Note
from vaultpartner.partners.history import is_interaction_note
from vaultpartner.partners.schema import is_followup, is_recruiter_note


def read_by_partner_checks(note: Note, config: PartnersConfig) -> bool:
    """Recruiter, interaction and follow-up notes, and notes marked confidential (taken in
    whatever folder: excluded and template folders are the settings' business, not a note's)."""
    return (
        note.confidential
        or is_recruiter_note(note, config)
        or is_interaction_note(note)
        or is_followup(note.frontmatter)
    )


def partner_inputs(index: VaultIndex, config: PartnersConfig) -> Iterator[tuple[str, str]]:
    """(path, content hash) of every note the partnership checks may read, in index order.

    With a confidential note anywhere, every note is read (a leak can be in any of them).
    """
    notes = index.notes
    if any(note.confidential for note in notes.values()):
        yield from ((path, note.content_hash) for path, note in notes.items())
        return
    for path, note in notes.items():
        if read_by_partner_checks(note, config):
            yield path, note.content_hash
