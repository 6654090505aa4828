"""The index snapshot: in the state folder only, atomic, versioned, never trusted when damaged."""

from __future__ import annotations

import dataclasses
import json
import logging
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import make_vault, read_vault

from vaultpartner.cli import main
from vaultpartner.snapshot import (
    LEGACY_SNAPSHOT_FILE,
    RECENT_RENAME_SECONDS,
    SNAPSHOT_FILE,
    build_snapshot,
    load_snapshot,
    save_snapshot,
    snapshot_exists,
    with_recent_renames,
)
from vaultpartner.state import vault_key, vault_state_dir
from vaultpartner.vaultfs import load_vault

FILES = {"Note.md": "# A\n\n## B\n", "img.png": b"\x89PNG" + bytes(200_000), "x/Other.md": "hi\n"}


def _snapshot_path(vault: Path) -> Path:
    return vault_state_dir(vault) / SNAPSHOT_FILE


def test_build_save_load_round_trip(tmp_path: Path) -> None:
    vault = make_vault(tmp_path / "v", FILES)
    state = tmp_path / "state"
    state.mkdir()
    snapshot = build_snapshot(load_vault(vault, max_bytes=1 << 20))
    save_snapshot(state, vault, snapshot)
    loaded = load_snapshot(state, vault)
    assert loaded is not None
    assert dict(loaded.files) == dict(snapshot.files)
    note = loaded.files["Note.md"]
    assert note.headings == ((1, "A"), (2, "B"))
    assert note.identity.startswith("n:")
    image = loaded.files["img.png"]
    assert image.identity.startswith("a:")
    assert image.headings is None
    assert [p.name for p in state.iterdir()] == [SNAPSHOT_FILE]  # no temp file left


def test_unchanged_attachments_are_not_read_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    vault = make_vault(tmp_path / "v", FILES)
    loaded = load_vault(vault, max_bytes=1 << 20)
    first = build_snapshot(loaded)
    import vaultpartner.snapshot as module

    def fail(*_args: object) -> str:
        raise AssertionError("an unchanged attachment was read")

    monkeypatch.setattr(module, "_edge_hash", fail)
    assert build_snapshot(loaded, first).files["img.png"] == first.files["img.png"]


def test_audit_saves_the_snapshot_outside_the_vault(tmp_path: Path) -> None:
    vault = make_vault(tmp_path / "v", FILES)
    before = read_vault(vault)
    result = CliRunner().invoke(main, ["audit", str(vault)])
    assert result.exit_code == 0, result.output
    assert _snapshot_path(vault).is_file()
    assert read_vault(vault) == before  # nothing inside the vault, not even hidden
    loaded = load_snapshot(_snapshot_path(vault).parent, vault)
    assert loaded is not None
    assert set(loaded.files) == set(FILES)


def _assert_ignored(
    state: Path, vault: Path, content: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    (state / SNAPSHOT_FILE).write_bytes(content)
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        assert load_snapshot(state, vault) is None
    assert "ignoring the index snapshot" in caplog.text


def _saved(tmp_path: Path) -> tuple[Path, Path, bytes]:
    vault = make_vault(tmp_path / "v", FILES)
    state = tmp_path / "state"
    state.mkdir()
    save_snapshot(state, vault, build_snapshot(load_vault(vault, max_bytes=1 << 20)))
    return vault, state, (state / SNAPSHOT_FILE).read_bytes()


@pytest.mark.parametrize("cut", [0, 10, 30, -1, -40])
def test_a_truncated_snapshot_is_ignored_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, cut: int
) -> None:
    vault, state, data = _saved(tmp_path)
    _assert_ignored(state, vault, data[:cut], caplog)


def test_a_snapshot_with_one_flipped_byte_is_ignored(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    vault, state, data = _saved(tmp_path)
    for position in range(len(b"vaultpartner snapshot\n"), len(data), 7):
        damaged = bytearray(data)
        damaged[position] ^= 0x20
        (state / SNAPSHOT_FILE).write_bytes(bytes(damaged))
        with caplog.at_level(logging.WARNING):
            assert load_snapshot(state, vault) is None, position


def test_a_version_1_snapshot_is_read_until_a_new_one_replaces_it(tmp_path: Path) -> None:
    vault = make_vault(tmp_path / "v", FILES)
    state = tmp_path / "state"
    state.mkdir()
    legacy = {
        "version": 1,
        "tool": "vaultpartner",
        "vault": vault_key(vault),
        "pending_renames": {"Old.md": "Note.md"},
        "journal_through": None,
        "recent_renames": {},
        "pending_headings": {"Note.md": [[1, "Was"], [2, "B"]]},
        "files": [
            ["Note.md", 10, 0, "n:abc", [[1, "Was"], [2, "B"]]],
            ["img.png", 4, 5, "a:e", None],
        ],
    }
    (state / LEGACY_SNAPSHOT_FILE).write_text(json.dumps(legacy), encoding="utf-8")
    assert snapshot_exists(state)
    loaded = load_snapshot(state, vault)
    assert loaded is not None
    assert loaded.files["Note.md"].headings == ((1, "Was"), (2, "B"))
    assert dict(loaded.pending_renames) == {"Old.md": "Note.md"}
    save_snapshot(state, vault, loaded)
    assert sorted(p.name for p in state.iterdir()) == [SNAPSHOT_FILE]
    again = load_snapshot(state, vault)
    assert again is not None
    assert again.files == loaded.files
    assert dict(again.pending_headings) == {"Note.md": ((1, "Was"), (2, "B"))}


def test_unchanged_notes_keep_their_records_and_changed_ones_are_read_anew(tmp_path: Path) -> None:
    vault = make_vault(tmp_path / "v", FILES)
    first = build_snapshot(load_vault(vault, max_bytes=1 << 20))
    (vault / "Note.md").write_text("# A2\n\n## B\n", encoding="utf-8")
    second = build_snapshot(load_vault(vault, max_bytes=1 << 20), first)
    assert second.files["x/Other.md"] is first.files["x/Other.md"]
    assert second.files["Note.md"].headings == ((1, "A2"), (2, "B"))
    foreign = dataclasses.replace(first, parser="another parser")
    third = build_snapshot(load_vault(vault, max_bytes=1 << 20), foreign)
    assert third.files["x/Other.md"] is not first.files["x/Other.md"]
    assert third.files["x/Other.md"] == first.files["x/Other.md"]


@pytest.mark.parametrize(
    "content",
    [b"{not json", b'{"version": 99}', b"[]", b'{"version": 1, "tool": "vaultpartner"}'],
)
def test_damaged_snapshot_is_ignored_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, content: bytes
) -> None:
    vault = make_vault(tmp_path / "v", FILES)
    state = tmp_path / "state"
    state.mkdir()
    _assert_ignored(state, vault, content, caplog)


def test_snapshot_of_another_vault_is_not_trusted(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    one = make_vault(tmp_path / "one", FILES)
    two = make_vault(tmp_path / "two", FILES)
    state = tmp_path / "state"
    state.mkdir()
    save_snapshot(state, one, build_snapshot(load_vault(one, max_bytes=1 << 20)))
    with caplog.at_level(logging.WARNING):
        assert load_snapshot(state, two) is None
    assert "another vault" in caplog.text


def test_fix_with_a_damaged_snapshot_changes_nothing(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    vault = make_vault(tmp_path / "v", {"New.md": "# x\n", "A.md": "[[Old]]\n"})
    assert CliRunner().invoke(main, ["audit", str(vault)]).exit_code == 0
    _snapshot_path(vault).write_bytes(b"\x00garbage")
    with caplog.at_level(logging.WARNING):
        result = CliRunner().invoke(main, ["fix", str(vault)])
    assert result.exit_code == 1
    assert "ignoring the index snapshot" in caplog.text
    assert read_vault(vault)["A.md"] == b"[[Old]]\n"
    assert load_snapshot(_snapshot_path(vault).parent, vault) is not None  # saved afresh


def test_recent_renames_are_kept_an_hour_and_follow_a_note_renamed_again(tmp_path: Path) -> None:
    import time

    vault = make_vault(tmp_path / "v", FILES)
    state = tmp_path / "state"
    state.mkdir()
    now = time.time()
    first = with_recent_renames(
        build_snapshot(load_vault(vault, max_bytes=1 << 20)),
        None,
        {"B.md": ("A.md", now - 10), "Y.md": ("X.md", now - RECENT_RENAME_SECONDS - 5)},
        now,
    )
    assert dict(first.recent_renames) == {"B.md": ("A.md", now - 10)}
    second = with_recent_renames(first, first, {"C.md": ("B.md", now)}, now)
    chain = {"B.md": ("A.md", now - 10), "C.md": ("B.md", now)}  # followed back as a chain
    assert dict(second.recent_renames) == chain
    save_snapshot(state, vault, second)
    loaded = load_snapshot(state, vault)
    assert loaded is not None
    assert dict(loaded.recent_renames) == chain


def test_a_snapshot_written_in_slices_reads_back_whole() -> None:
    from vaultpartner.snapshot import _SLICE, FileRecord, Snapshot, _decode, _encode, _frozen

    records = {
        f"d/n{i}.md": FileRecord(f"d/n{i}.md", i, 0, f"n:{i}", ((1, "Заголовок"), (2, "x")))
        for i in range(2 * _SLICE + 7)
    }
    records["a.png"] = FileRecord("a.png", 3, 5, "a:e", None)
    snapshot = Snapshot(_frozen(records), _frozen({"old.md": "d/n1.md"}))
    data = b"".join(_encode(snapshot, "vault-key"))
    back = _decode(data, "vault-key")
    assert back.files == snapshot.files
    assert dict(back.pending_renames) == {"old.md": "d/n1.md"}
    empty = _decode(b"".join(_encode(Snapshot(_frozen({})), "vault-key")), "vault-key")
    assert dict(empty.files) == {}
