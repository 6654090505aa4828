"""Carrying out a Plan: lock, journal, safe writer. Also undo, and dry-run diffs.

Every change is recorded in the journal (with the previous content) before it is made, so a
run killed at any moment can be undone; changes that then did not happen are marked so.
"""

from __future__ import annotations

import difflib
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from vaultpartner.cmdmessages import command_message
from vaultpartner.digest import content_hash
from vaultpartner.edits import EditMismatch, splice_bytes
from vaultpartner.errors import LockedError, VaultPartnerError
from vaultpartner.journal import Journal, JournalEntry, RunHandle, RunRecord
from vaultpartner.lock import VaultLock
from vaultpartner.messages import Language
from vaultpartner.plan import FileCreate, FileEdit, FileMove, Plan
from vaultpartner.writer import SafeWriter, WriteResult

log = logging.getLogger(__name__)
PAUSED_FLAG = "paused"  # in the state folder: `vaultpartner pause` stops every writer
_DONE = frozenset({"written", "created", "moved", "deleted", "unchanged"})


@dataclass(frozen=True, slots=True)
class Outcome:
    path: str
    status: str
    message: str
    reason: str
    new_hash: str | None = None  # the content written, when something was

    @property
    def ok(self) -> bool:
        return self.status in _DONE


@dataclass(frozen=True, slots=True)
class ApplyReport:
    run_id: str | None
    outcomes: tuple[Outcome, ...]

    @property
    def failed(self) -> list[Outcome]:
        return [outcome for outcome in self.outcomes if not outcome.ok]


def _read(root: Path, rel: str) -> bytes | None:
    try:
        return (root / rel).read_bytes()
    except OSError:
        return None


class _Refused(NamedTuple):
    code: str  # a vaultpartner.cmdmessages code
    error: str = ""


def _prepare(root: Path, edit: FileEdit, read_from: str | None) -> tuple[bytes, bytes] | _Refused:
    current = _read(root, read_from or edit.path)
    if current is None:
        return _Refused("edit-unreadable")
    if content_hash(current) != edit.expected_hash:
        return _Refused("edit-changed")
    try:
        return current, splice_bytes(current, edit.edits)
    except (EditMismatch, UnicodeDecodeError) as exc:
        return _Refused("edit-failed", str(exc))


def new_content(
    root: Path, edit: FileEdit, *, read_from: str | None = None, language: Language = "en"
) -> tuple[bytes, bytes] | str:
    """(current bytes, new bytes), or why the edit cannot be made."""
    result = _prepare(root, edit, read_from)
    if isinstance(result, _Refused):
        return command_message(result.code, language, error=result.error)
    return result


def before_moves(plan: Plan, path: str) -> str:
    """Where a file the plan names by its path after the moves is now (before them)."""
    for move in reversed(plan.moves):
        if path == move.dst:
            path = move.src
        elif path.startswith(move.dst + "/"):
            path = move.src + path[len(move.dst) :]
    return path


def diffs(root: Path, plan: Plan, *, language: Language = "en") -> Iterator[str]:
    """Unified diffs of what the plan would change (for --dry-run)."""
    for move in plan.moves:
        yield f"rename {move.src} -> {move.dst}\n"
    for edit in plan.edits:
        # A moved note's edits name its new path; until the move it is at the old one.
        result = new_content(root, edit, read_from=before_moves(plan, edit.path), language=language)
        if isinstance(result, str):
            yield f"# {edit.path}: {result}\n"
            continue
        old, new = (data.decode("utf-8", "surrogateescape") for data in result)
        yield "".join(
            difflib.unified_diff(
                old.splitlines(keepends=True),
                new.splitlines(keepends=True),
                fromfile=f"a/{edit.path}",
                tofile=f"b/{edit.path}",
            )
        )
    for create in plan.creates:
        text = create.data.decode("utf-8", "surrogateescape")
        yield "".join(
            difflib.unified_diff(
                [], text.splitlines(keepends=True), fromfile="/dev/null", tofile=f"b/{create.path}"
            )
        )


def _journal_error(exc: OSError, where: Path) -> VaultPartnerError:
    return VaultPartnerError(
        f"cannot write the journal: {exc.strerror or exc}; stopped before changing more files",
        path=str(where),
        hint="free some space or fix the permissions of the state folder, then run again",
    )


class Applier:
    """Applies plans for one vault under its lock, journalling every change.

    `language`: of the messages and undo reasons it writes; the watcher keeps English ones.
    """

    def __init__(
        self, root: Path, state_dir: Path, *, command: str, language: Language = "en"
    ) -> None:
        self.root = root
        self.language = language
        self.writer = SafeWriter(root)
        self.journal = Journal.of_state(state_dir)
        self.lock = VaultLock(state_dir, command=command)
        self.state_dir = state_dir
        self.command = command

    def __enter__(self) -> Applier:
        if (self.state_dir / PAUSED_FLAG).exists():
            raise LockedError(
                "writes to this vault are paused",
                path=str(self.root),
                hint="allow them again with: vaultpartner resume VAULT",
            )
        self.lock.acquire()
        for leftover in self.writer.cleanup_temp_files():
            log.warning("removed a temporary file left by an interrupted run: %s", leftover)
        return self

    def __exit__(self, *exc: object) -> None:
        self.lock.release()

    def apply(self, plan: Plan) -> ApplyReport:
        """Moves first, then edits and creates; edits are not made when a move failed.

        The edits of a plan were decided for the vault after its moves (links rewritten to
        the new names); made without the moves they would break those links.
        """
        if plan.empty:
            return ApplyReport(None, ())
        outcomes: list[Outcome] = []
        try:
            run = self.journal.start_run(self.command)
        except OSError as exc:
            raise _journal_error(exc, self.journal.state_dir) from exc
        with run:
            try:
                self._apply_steps(run, plan, outcomes)
            except OSError as exc:
                # The journal records each change before it is made: the failed one was not.
                message = str(_journal_error(exc, self.journal.state_dir))
                outcomes.append(Outcome("", "error", message, "journal"))
        return ApplyReport(run.run_id, tuple(outcomes))

    def _apply_steps(self, run: RunHandle, plan: Plan, outcomes: list[Outcome]) -> None:
        for move in plan.moves:
            outcomes.append(self._move(run, move))
        if any(not outcome.ok for outcome in outcomes):
            steps: list[FileEdit | FileCreate] = [*plan.edits, *plan.creates]
            for step in steps:
                outcomes.append(
                    Outcome(
                        step.path,
                        "skipped",
                        self._say("apply-move-failed"),
                        step.reason,
                    )
                )
            return
        outcomes.extend(self._edits(run, plan.edits))
        for create in plan.creates:
            outcomes.append(self._create(run, create))

    def _say(self, code: str, **values: object) -> str:
        return command_message(code, self.language, **values)

    def _finish(self, run: RunHandle, index: int, result: WriteResult, reason: str) -> Outcome:
        if result.status not in _DONE or result.status == "unchanged":
            run.mark_not_applied(index, result.status)
        return Outcome(result.path, result.status, result.message, reason, result.new_hash)

    def _move(self, run: RunHandle, move: FileMove) -> Outcome:
        entry = JournalEntry(
            "move", move.dst, move.src, move.expected_hash, move.expected_hash, move.reason
        )
        index = run.record(entry, None)
        result = self.writer.move(move.src, move.dst, expected_hash=move.expected_hash)
        return self._finish(run, index, result, move.reason)

    def _edits(self, run: RunHandle, edits: list[FileEdit]) -> list[Outcome]:
        """Journal every edit's pre-image, then write them all with one flush to disk."""
        outcomes: dict[int, Outcome] = {}
        pending: list[tuple[int, JournalEntry, FileEdit, bytes, bytes]] = []
        for number, edit in enumerate(edits):
            prepared = _prepare(self.root, edit, None)
            if isinstance(prepared, _Refused):
                status = "conflict" if prepared.code == "edit-changed" else "error"
                why = self._say(prepared.code, error=prepared.error)
                outcomes[number] = Outcome(edit.path, status, f"{edit.path}: {why}", edit.reason)
                continue
            old, new = prepared
            entry = JournalEntry(
                "write", edit.path, None, content_hash(old), content_hash(new), edit.reason
            )
            pending.append((number, entry, edit, old, new))
        indices = run.record_many([(entry, old) for _, entry, _, old, _ in pending])
        journalled = [
            (number, at, edit, old, new)
            for (number, _, edit, old, new), at in zip(pending, indices, strict=True)
        ]
        results = self.writer.write_many(
            [(edit.path, new, content_hash(old)) for _, _, edit, old, new in journalled]
        )
        for (number, at, edit, _old, _new), result in zip(journalled, results, strict=True):
            outcomes[number] = self._finish(run, at, result, edit.reason)
        return [outcomes[number] for number in range(len(edits))]

    def _create(self, run: RunHandle, create: FileCreate) -> Outcome:
        entry = JournalEntry(
            "create", create.path, None, None, content_hash(create.data), create.reason
        )
        index = run.record(entry, None)
        result = self.writer.create(create.path, create.data)
        return self._finish(run, index, result, create.reason)

    # -- undo --------------------------------------------------------------------------------
    def undo(self, record: RunRecord) -> ApplyReport:
        """Revert a run, newest change first; files changed since the run are refused."""
        outcomes: list[Outcome] = []
        with self.journal.start_run(f"undo {record.run_id}") as run:
            for index, entry in reversed(record.applied()):
                outcomes.append(self._undo_entry(run, record, index, entry))
        return ApplyReport(run.run_id, tuple(outcomes))

    def _undo_entry(
        self, run: RunHandle, record: RunRecord, index: int, entry: JournalEntry
    ) -> Outcome:
        reason = self._say("undo-reason", run_id=record.run_id, reason=entry.reason)
        say = self._say
        current = _read(self.root, entry.path)
        current_hash = None if current is None else content_hash(current)
        if entry.action == "move":
            if entry.old_path is None:
                return Outcome(entry.path, "error", say("undo-no-old-path"), reason)
            if not (self.root / entry.path).exists():
                if (self.root / entry.old_path).exists():
                    # Recorded, then interrupted before the move happened.
                    return Outcome(entry.path, "unchanged", say("undo-never-moved"), reason)
                return Outcome(entry.path, "refused", say("undo-gone"), reason)
            if entry.new_hash is not None and current_hash != entry.new_hash:
                return Outcome(entry.path, "refused", say("undo-changed-moved"), reason)
            back = JournalEntry(
                "move", entry.old_path, entry.path, entry.new_hash, entry.new_hash, reason
            )
            at = run.record(back, None)
            return self._finish(run, at, self.writer.move(entry.path, entry.old_path), reason)
        if current_hash != entry.new_hash:
            if entry.action == "write" and current_hash == entry.old_hash:
                # Recorded, then interrupted (or refused) before the write happened.
                return Outcome(entry.path, "unchanged", say("undo-never-changed"), reason)
            return Outcome(entry.path, "refused", say("undo-changed"), reason)
        if entry.action == "create":
            if current is None or current_hash is None:
                return Outcome(entry.path, "unchanged", say("undo-already-gone"), reason)
            at = run.record(
                JournalEntry("delete", entry.path, None, current_hash, None, reason), current
            )
            return self._finish(
                run, at, self.writer.delete(entry.path, expected_hash=current_hash), reason
            )
        previous = self.journal.previous_content(record.run_id, index)
        if previous is None:
            return Outcome(entry.path, "error", say("undo-no-previous"), reason)
        if entry.action == "delete" or current is None:
            at = run.record(
                JournalEntry("create", entry.path, None, None, content_hash(previous), reason), None
            )
            return self._finish(run, at, self.writer.create(entry.path, previous), reason)
        assert current_hash is not None
        write_back = JournalEntry(
            "write", entry.path, None, current_hash, content_hash(previous), reason
        )
        at = run.record(write_back, current)
        return self._finish(
            run, at, self.writer.write(entry.path, previous, expected_hash=current_hash), reason
        )
