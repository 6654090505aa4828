"""Saving the index snapshot at the end of a command (kept apart from `fix`, so commands
that only need this do not load the hub and template machinery)."""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping

from vaultpartner import app
from vaultpartner.errors import VaultPartnerError
from vaultpartner.fixing import carry_forward
from vaultpartner.snapshot import (
    build_snapshot,
    load_snapshot_and_journal,
    save_snapshot,
    with_recent_renames,
)
from vaultpartner.state import ensure_vault_state_dir
from vaultpartner.vaultfs import LoadedVault

log = logging.getLogger(__name__)


def record_snapshot(
    session: app.Session,
    vault: LoadedVault | None = None,
    *,
    known: Mapping[str, str] | None = None,
    handled: bool = False,
    use_cache: bool = True,
    noticed: Mapping[str, tuple[str, float]] | None = None,
) -> None:
    """Save the index snapshot in the state folder; never fails the command.

    `known`: moves vaultpartner made itself in this run. `handled`: `fix` dealt with every
    pending rename and heading change, so they are not carried forward. `noticed`: renames
    made outside vaultpartner that this run followed (new path -> (old path, time)).
    """
    try:
        state = ensure_vault_state_dir(session.root, override=session.state_override)
        loaded = vault if vault is not None else app.load(session, use_cache=use_cache)
        previous = load_snapshot_and_journal(state, session.root)
        now = build_snapshot(loaded, previous)
        if not handled:
            now = carry_forward(previous, now, known=known or {})
        now = with_recent_renames(now, previous, noticed or {}, time.time())
        save_snapshot(state, session.root, now)
    except (OSError, VaultPartnerError) as exc:
        log.warning("could not save the index snapshot: %s", exc)
