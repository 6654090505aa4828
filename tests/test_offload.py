"""The forked helper: pieces of work come back in order, a failure only costs time, and an
audit that hands part of its checks to a helper answers exactly as one that does not."""

from __future__ import annotations

import datetime as dt
import io
import os
import signal
import threading
import time
import zlib
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import make_vault

from vaultpartner import app, audit, auditrun, offload
from vaultpartner.offload import Helper

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="helpers are forked")


def test_pieces_come_back_in_order() -> None:
    helper = Helper([lambda: b"first", lambda: b"", lambda: bytes(range(256)) * 4096])
    try:
        assert helper.next() == b"first"
        assert helper.next() == b""
        assert helper.next() == bytes(range(256)) * 4096  # more than a pipe's buffer
    finally:
        helper.close()


def _boom() -> bytes:
    raise RuntimeError("a bug in the helper")


def _killed() -> bytes:
    os.kill(os.getpid(), signal.SIGKILL)
    return b"never"


@pytest.mark.timeout(60)
@pytest.mark.parametrize("failing", [_boom, _killed], ids=["exception", "killed"])
def test_a_failed_piece_is_none_and_so_is_every_later_one(failing: Callable[[], bytes]) -> None:
    helper = Helper([lambda: b"done before", failing, lambda: b"after"])
    try:
        assert helper.next() == b"done before"
        assert helper.next() is None
        assert helper.next() is None
    finally:
        helper.close()


@pytest.mark.timeout(60)
def test_closing_waits_for_a_helper_still_at_work(tmp_path: Path) -> None:
    done = tmp_path / "done"

    def slow() -> bytes:
        time.sleep(0.5)
        done.write_bytes(b"x")
        return b""

    helper = Helper([slow])
    helper.close()  # before anything was read: the work is finished all the same
    helper.close()  # twice is harmless
    assert done.read_bytes() == b"x"


def test_a_damaged_or_short_frame_is_refused() -> None:
    payload = b"the helper's bytes"
    header = zlib.crc32(payload).to_bytes(4, "big") + len(payload).to_bytes(8, "big")
    assert offload._read_frame(io.BytesIO(header + payload)) == payload
    damaged = header + payload[:-1] + b"?"
    assert offload._read_frame(io.BytesIO(damaged)) is None
    assert offload._read_frame(io.BytesIO(header + payload[:5])) is None
    assert offload._read_frame(io.BytesIO(header[:7])) is None


def test_no_helper_beside_another_thread_or_beyond_the_memory_budget() -> None:
    assert offload.can_start(budget=1 << 62)
    assert not offload.can_start(budget=1024)  # any process is larger than half a kilobyte
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        assert not offload.can_start(budget=1 << 62)
    finally:
        stop.set()
        other.join()


# --- the audit with a helper --------------------------------------------------------------


def _vault(tmp_path: Path) -> Path:
    """Broken links with near misses, headings, aliases, recruiters due a follow-up."""
    files = {
        f"Люди/Анна Смирнова {i}.md": (
            f"---\naliases: [Аня {i}]\n---\n# Встреча {i}\n"
            f"[[Анна Смирнва {i}]] [[Проект {i % 3}#Нет]] [[Проект {i % 3}#Итоги]] [[Аня {i}]]\n"
        )
        for i in range(40)
    }
    files.update(
        {
            f"Проект {i}.md": f"# Итоги\n[[Анна Смирнова {i}]] [[Прект {i}]] ![[нет.png]]\n"
            for i in range(3)
        }
    )
    files.update(
        {
            f"Рекрутеры/Рекрутер {i}.md": (
                '---\ntype: recruiter\ncompany: "[[Яндекс]]"\nemail: r@x.ru\n'
                "last_contact: 2026-01-01\ncadence: 30d\n---\n# Рекрутер\n"
            )
            for i in range(6)
        }
    )
    return make_vault(tmp_path / "v", files)


class _Spy:
    """Counts the helpers the audit starts."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.started = 0
        real = auditrun.Helper

        def counted(works: list[Callable[[], bytes]]) -> Helper:
            self.started += 1
            return real(works)

        monkeypatch.setattr(auditrun, "Helper", counted)
        monkeypatch.setattr(auditrun, "can_start", lambda: offload.can_start(budget=1 << 62))
        monkeypatch.setattr(audit, "OFFLOAD_MINIMUM", 5)


def _run(root: Path, state: Path, *, cached: bool) -> object:
    session = app.open_session(root, state_override=state)
    result, language, _vault = auditrun.run(session, use_cache=cached, today=dt.date(2026, 11, 26))
    return result, language


@pytest.mark.timeout(120)
def test_an_audit_with_a_helper_answers_as_one_without(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _vault(tmp_path)
    serial = _run(root, tmp_path / "serial", cached=False)
    codes = {finding.code for finding in serial[0].findings}  # type: ignore[index]
    assert {"broken-link", "broken-heading", "overdue-followup"} <= codes
    spy = _Spy(monkeypatch)
    assert _run(root, tmp_path / "plain", cached=False) == serial
    state = tmp_path / "state"
    assert _run(root, state, cached=True) == serial  # cold: what the helper found is kept
    assert spy.started == 2
    assert _run(root, state, cached=True) == serial  # warm: from the result cache
    note = root / "Люди" / "Анна Смирнова 7.md"
    note.write_text(note.read_text(encoding="utf-8") + "[[Проект 1#Нет]]\n", encoding="utf-8")
    changed = _run(root, tmp_path / "serial-2", cached=False)
    before = spy.started
    assert _run(root, state, cached=True) == changed  # the per-note results it kept hold
    assert spy.started == before + 1  # one note to check: the helper runs the hub checks alone


@pytest.mark.timeout(120)
def test_near_misses_the_helper_searched_are_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from vaultpartner.cache import ResultCache

    root = _vault(tmp_path)
    _Spy(monkeypatch)
    state = tmp_path / "state"
    _run(root, state, cached=True)
    session = app.open_session(root, state_override=state)
    kept = auditrun._load_suggestions(ResultCache(session.state_dir))
    # The helper checked the last notes in order ("Анна Смирнова 9" among them), this
    # process the first: the near misses of both are kept.
    for i in range(40):
        assert kept.found[f"анна смирнва {i}"][0] == f"Анна Смирнова {i}"


@pytest.mark.timeout(120)
@pytest.mark.parametrize("broken", ["exception", "no start", "damaged bytes"])
def test_a_helper_that_fails_costs_time_not_answers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, broken: str
) -> None:
    root = _vault(tmp_path)
    serial = _run(root, tmp_path / "serial", cached=True)
    _Spy(monkeypatch)
    if broken == "exception":
        monkeypatch.setattr(audit, "encode_share", lambda *args: _boom())
        monkeypatch.setattr(auditrun._PartnerFindings, "encoded", lambda self: _boom())
    elif broken == "no start":
        monkeypatch.setattr(auditrun, "can_start", lambda: False)
    else:
        monkeypatch.setattr(audit, "encode_share", lambda *args: b"\0\0\0\0damaged")
        monkeypatch.setattr(auditrun._PartnerFindings, "encoded", lambda self: b"damaged")
    assert _run(root, tmp_path / "state", cached=True) == serial


@pytest.mark.timeout(120)
@pytest.mark.parametrize("helped", [True, False])
def test_the_snapshot_is_recorded_once_by_the_helper_or_else_here(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, helped: bool
) -> None:
    from functools import partial

    from vaultpartner.snaprecord import record_snapshot
    from vaultpartner.snapshot import load_snapshot

    root = _vault(tmp_path)
    spy = _Spy(monkeypatch)
    if not helped:
        monkeypatch.setattr(auditrun, "can_start", lambda: False)
    recorded: list[int] = []

    def record(session: app.Session, vault: object) -> None:
        recorded.append(os.getpid())
        record_snapshot(session, vault)  # type: ignore[arg-type]

    snapshots = []
    for state in ("a", "b"):
        session = app.open_session(root, state_override=tmp_path / state)
        auditrun.run(session, use_cache=state == "a", snapshot=partial(record, session))
        snapshots.append(load_snapshot(session.state_dir, root))
    assert spy.started == (2 if helped else 0)
    # After a small change the helper has no notes to check, and records the snapshot alone.
    note = root / "Проект 1.md"
    note.write_text(note.read_text(encoding="utf-8") + "[[Новая ссылка]]\n", encoding="utf-8")
    plain = app.open_session(root, state_override=tmp_path / "plain")
    expected = auditrun.run(plain, use_cache=False)[0]
    before = spy.started
    session = app.open_session(root, state_override=tmp_path / "a")
    assert auditrun.run(session, snapshot=partial(record, session))[0] == expected
    snapshots.append(load_snapshot(session.state_dir, root))
    assert spy.started == before + (1 if helped else 0)
    # Recorded in the helper (its appends to `recorded` stay there), or here once a run.
    assert recorded == ([] if helped else [os.getpid()] * 3)
    for snapshot in snapshots:
        assert snapshot is not None
        assert sorted(snapshot.files) == sorted(
            p.relative_to(root).as_posix() for p in root.rglob("*.md")
        )


@pytest.mark.timeout(120)
def test_near_misses_of_topics_the_helper_searched_are_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import shutil

    from vaultpartner.cache import ResultCache

    golden = Path(__file__).resolve().parent / "golden_hubs" / "missing-en"
    rows = {}
    for helped in (False, True):
        root = tmp_path / f"vault-{helped}"
        shutil.copytree(golden, root, ignore=shutil.ignore_patterns("problems.txt"))
        interviews = root / "Interviews.md"
        interviews.write_text(interviews.read_text() + "- [[Partnershp]]\n- [[Interveiws]]\n")
        with monkeypatch.context() as patched:
            spy = _Spy(patched)
            if not helped:
                patched.setattr(auditrun, "can_start", lambda: False)
            state = tmp_path / f"state-{helped}"
            found = _run(root, state, cached=True)
            assert spy.started == (1 if helped else 0)
        session = app.open_session(root, state_override=state)
        kept = auditrun._load_suggestions(ResultCache(session.state_dir), auditrun._TOPICS_ROW)
        rows[helped] = (found, kept.found)
    assert rows[True] == rows[False]
    assert rows[True][1]  # there were near misses to keep


@pytest.mark.timeout(120)
def test_no_helper_with_one_job_or_one_core(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _vault(tmp_path)
    spy = _Spy(monkeypatch)
    session = app.open_session(root, state_override=tmp_path / "a")
    serial = auditrun.run(session, jobs=1, use_cache=False, today=dt.date(2026, 11, 26))
    assert spy.started == 0
    monkeypatch.setattr(auditrun, "default_jobs", lambda: 1)  # a machine with one core
    assert auditrun.run(session, use_cache=False, today=dt.date(2026, 11, 26))[0] == serial[0]
    assert spy.started == 0
    monkeypatch.setattr(auditrun, "default_jobs", lambda: 2)
    assert auditrun.run(session, use_cache=False, today=dt.date(2026, 11, 26))[0] == serial[0]
    assert spy.started == 1
