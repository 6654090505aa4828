"""When my profile note last changed: what follow-ups about a shared profile are due against.

Kept apart from the follow-up commands, so the audit's partnership checks can ask without
loading the note rendering (Jinja2) those commands need.
"""

from __future__ import annotations

import datetime as dt
import os

from vaultpartner import app
from vaultpartner.dates import as_date
from vaultpartner.vaultfs import LoadedVault


def profile_changed(session: app.Session, vault: LoadedVault) -> dt.date | None:
    """When my profile note last changed: its `updated` property, else the file's date."""
    wanted = session.config.partners.profile_note.strip().removesuffix(".md")
    if wanted:
        resolution = vault.index.resolve(wanted, "")
        note = vault.index.notes.get(resolution.path or "")
    else:  # not configured: the one note marked `type: profile`, if there is exactly one
        marked = [
            n for n in vault.index.notes.values() if (n.frontmatter or {}).get("type") == "profile"
        ]
        note = marked[0] if len(marked) == 1 else None
    if note is None:
        return None
    updated = as_date((note.frontmatter or {}).get("updated"))
    if updated is not None:
        return updated
    try:
        mtime = os.stat(vault.os_paths[note.path]).st_mtime
    except (KeyError, OSError):
        return None
    return dt.date.fromtimestamp(mtime)
