"""Journal: durable runs with pre-images, tolerant reading, pruning."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from vaultpartner.digest import content_hash
from vaultpartner.errors import VaultPartnerError
from vaultpartner.journal import Journal, JournalEntry, RunRecord

T0 = datetime(2026, 11, 26, 3, 15, 2, tzinfo=UTC)
H = content_hash


class Clock:
    def __init__(self, now: datetime = T0) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def write_entry(path: str, old: bytes | None, new: bytes) -> JournalEntry:
    return JournalEntry(
        action="write" if old is not None else "create",
        path=path,
        old_path=None,
        old_hash=H(old) if old is not None else None,
        new_hash=H(new),
        reason="rewrote 3 links: Яндекс.md -> Компании/Яндекс.md",
    )


def entries_file(journal: Journal, run_id: str) -> Path:
    return journal.state_dir / "runs" / run_id / "entries.jsonl"


def test_records_and_reads_back_a_run(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "state", clock=Clock())
    move = JournalEntry("move", "Компании/Яндекс.md", "Яндекс.md", H(b"y"), H(b"y"), "mv")
    with journal.start_run("mv Яндекс.md Компании/Яндекс.md") as run:
        assert (
            run.record(write_entry("a.md", b"\xef\xbb\xbfold\r\n", b"new"), b"\xef\xbb\xbfold\r\n")
            == 0
        )
        assert run.record(write_entry("b.md", None, b"fresh"), None) == 1
        assert run.record(move, None) == 2
        assert run.record(write_entry("c.md", b"same", b"x"), b"same") == 3
    (record,) = journal.runs()
    assert record.run_id.startswith("20261126T031502Z-")
    assert record.started == T0
    assert record.command == "mv Яндекс.md Компании/Яндекс.md"
    assert record.finished is not None
    assert record.entries[0] == write_entry("a.md", b"\xef\xbb\xbfold\r\n", b"new")
    assert record.entries[2] == move
    assert journal.get(record.run_id) == record
    assert journal.previous_content(record.run_id, 0) == b"\xef\xbb\xbfold\r\n"
    assert journal.previous_content(record.run_id, 1) is None
    assert journal.previous_content(record.run_id, 3) == b"same"
    # Each pre-image once, end to end, in the run's pack.
    pack = journal.state_dir / "runs" / record.run_id / "preimages.pack"
    assert pack.read_bytes() == b"\xef\xbb\xbfold\r\nsame"


def test_a_run_written_with_one_file_per_preimage_still_reads(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "state", clock=Clock())
    with journal.start_run("fix") as run:
        run.record(write_entry("a.md", b"old", b"new"), b"old")
    folder = journal.state_dir / "runs" / run.run_id
    (folder / "preimages.pack").unlink()
    (folder / "blobs").mkdir()
    (folder / "blobs" / H(b"old")).write_bytes(b"old")
    lines = (folder / "entries.jsonl").read_text().splitlines()
    older = [json.dumps({k: v for k, v in json.loads(line).items() if k != "at"}) for line in lines]
    (folder / "entries.jsonl").write_text("\n".join(older) + "\n")
    assert Journal(tmp_path / "state").previous_content(run.run_id, 0) == b"old"


def test_preimages_of_a_run_appended_in_several_batches(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "state", clock=Clock())
    with journal.start_run("watch") as run:
        run.record_many([(write_entry("a.md", b"one", b"x"), b"one")])
        run.record_many(
            [
                (write_entry("b.md", b"two", b"x"), b"two"),
                (write_entry("c.md", b"one", b"x"), b"one"),
            ]
        )
    reader = Journal(tmp_path / "state")
    assert [reader.previous_content(run.run_id, i) for i in range(3)] == [b"one", b"two", b"one"]


def test_entries_are_on_disk_before_finish(tmp_path: Path) -> None:
    journal = Journal(tmp_path, clock=Clock())
    run = journal.start_run("fix")
    run.record(write_entry("a.md", b"old", b"new"), b"old")
    # A second reader (a later process) sees the entry although the run never finished.
    (record,) = Journal(tmp_path).runs()
    assert record.finished is None
    assert [e.path for e in record.entries] == ["a.md"]
    run.finish()
    run.finish()
    with pytest.raises(RuntimeError):
        run.record(write_entry("b.md", b"old", b"new"), b"old")


def test_truncated_last_line_is_ignored_silently(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    journal = Journal(tmp_path, clock=Clock())
    run = journal.start_run("fix")
    run.record(write_entry("a.md", b"old", b"new"), b"old")
    path = entries_file(journal, run.run_id)
    full = json.dumps({"kind": "entry", "action": "write", "path": "b.md"})
    with path.open("ab") as fh:
        fh.write(full[:25].encode())  # what SIGKILL mid-append leaves
    with caplog.at_level(logging.WARNING):
        record = journal.get(run.run_id)
    assert [e.path for e in record.entries] == ["a.md"]
    assert record.finished is None
    assert caplog.records == []


def test_corrupt_lines_are_skipped_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    journal = Journal(tmp_path, clock=Clock())
    with journal.start_run("fix") as run:
        run.record(write_entry("a.md", b"old", b"new"), b"old")
        path = entries_file(journal, run.run_id)
        with path.open("ab") as fh:
            fh.write(b"{not json\n")
            fh.write(b'{"kind": "entry", "action": "explode", "path": "x"}\n')
            fh.write(b"[1, 2]\n")
        run.record(write_entry("b.md", b"older", b"new"), b"older")
    with caplog.at_level(logging.WARNING):
        record = journal.get(run.run_id)
    assert [e.path for e in record.entries] == ["a.md", "b.md"]
    assert journal.previous_content(run.run_id, 1) == b"older"
    assert len([r for r in caplog.records if "damaged journal line" in r.getMessage()]) == 3


def test_run_without_header_is_not_listed(tmp_path: Path) -> None:
    journal = Journal(tmp_path, clock=Clock())
    run = journal.start_run("fix")
    run.finish()
    entries_file(journal, run.run_id).write_bytes(b"")
    assert journal.runs() == []


def test_unknown_run_id_gives_error_with_hint(tmp_path: Path) -> None:
    journal = Journal(tmp_path, clock=Clock())
    journal.start_run("fix").finish()
    for bad in ("20260101T000000Z-abcdef", "../../etc", ""):
        with pytest.raises(VaultPartnerError) as info:
            journal.get(bad)
        assert info.value.hint is not None
        assert journal.runs()[0].run_id in info.value.hint
        assert repr(bad) in info.value.message
    with pytest.raises(VaultPartnerError):
        journal.previous_content("20260101T000000Z-abcdef", 0)


def test_previous_content_rejects_bad_index_and_corrupt_blob(tmp_path: Path) -> None:
    journal = Journal(tmp_path, clock=Clock())
    with journal.start_run("fix") as run:
        run.record(write_entry("a.md", b"old", b"new"), b"old")
    with pytest.raises(VaultPartnerError, match="no entry 5"):
        journal.previous_content(run.run_id, 5)
    pack = journal.state_dir / "runs" / run.run_id / "preimages.pack"
    pack.write_bytes(b"new")  # same length, other bytes
    with pytest.raises(VaultPartnerError, match="corrupt"):
        journal.previous_content(run.run_id, 0)


def test_runs_are_newest_first_and_filter_by_since(tmp_path: Path) -> None:
    clock = Clock()
    journal = Journal(tmp_path, clock=clock)
    for hours in (0, 2, 1):
        clock.now = T0 + timedelta(hours=hours)
        journal.start_run(f"run {hours}").finish()
    assert [r.command for r in journal.runs()] == ["run 2", "run 1", "run 0"]
    since = journal.runs(since=T0 + timedelta(minutes=30))
    assert [r.command for r in since] == ["run 2", "run 1"]
    assert all(isinstance(r, RunRecord) for r in since)


def test_prune_keeps_newest_runs(tmp_path: Path) -> None:
    clock = Clock()
    journal = Journal(tmp_path, clock=clock)
    for minute in range(60):
        clock.now = T0 + timedelta(minutes=minute)
        journal.start_run(f"run {minute}").finish()
    commands = [r.command for r in journal.runs()]
    assert len(commands) == 50
    assert commands[0] == "run 59"
    assert commands[-1] == "run 10"


def test_prune_drops_runs_older_than_keep_days(tmp_path: Path) -> None:
    clock = Clock()
    journal = Journal(tmp_path, clock=clock)
    for days in (0, 10, 25):
        clock.now = T0 + timedelta(days=days)
        journal.start_run(f"day {days}").finish()
    clock.now = T0 + timedelta(days=35)
    journal.prune()
    assert [r.command for r in journal.runs()] == ["day 25", "day 10"]
    clock.now = T0 + timedelta(days=56)
    journal.start_run("today").finish()
    assert [r.command for r in journal.runs()] == ["today"]


def test_prune_respects_custom_limits(tmp_path: Path) -> None:
    clock = Clock()
    journal = Journal(tmp_path, keep_runs=2, keep_days=1, clock=clock)
    for minute in range(4):
        clock.now = T0 + timedelta(minutes=minute)
        journal.start_run(str(minute)).finish()
    assert [r.command for r in journal.runs()] == ["3", "2"]


def test_naive_clock_is_rejected(tmp_path: Path) -> None:
    journal = Journal(tmp_path, clock=lambda: datetime(2026, 1, 1))
    with pytest.raises(ValueError, match="aware"):
        journal.start_run("fix")
