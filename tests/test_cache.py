"""The note and result caches: identical results to --no-cache, damage and doubt handled."""

from __future__ import annotations

import datetime as dt
import os
import random
import sqlite3
import time
import types
from pathlib import Path

import pytest
from conftest import make_vault
from hypothesis import example, given, settings
from hypothesis import strategies as st

from vaultpartner import app, auditrun
from vaultpartner.auditmemo import bucket_of
from vaultpartner.cache import CACHE_FILE, FileStamp, NoteCache
from vaultpartner.vaultfs import load_vault

GOLDEN = Path(__file__).resolve().parent / "golden"


def audit(root: Path, state: Path, *, cached: bool) -> object:
    session = app.open_session(root, state_override=state)
    result, _language, _vault = auditrun.run(session, use_cache=cached)
    return result.findings, result.stats


@pytest.mark.parametrize("case", sorted(p.name for p in GOLDEN.iterdir() if (p / "vault").is_dir()))
def test_cached_audits_equal_uncached_ones_on_the_golden_vaults(case: str, tmp_path: Path) -> None:
    import shutil

    root = tmp_path / "vault"
    shutil.copytree(GOLDEN / case / "vault", root)
    state = tmp_path / "state"
    plain = audit(root, tmp_path / "plain", cached=False)
    assert audit(root, state, cached=True) == plain  # cold: fills the caches
    assert audit(root, state, cached=True) == plain  # warm: answered from them


NAMES = ["A", "B", "Ёлка", "sub/C", "sub/A"]


@settings(max_examples=25, derandomize=True, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from(["edit", "rename", "delete", "create"]), st.integers(0, 99)),
        max_size=8,
    )
)
def test_cache_follows_edits_renames_and_deletions(ops: list[tuple[str, int]]) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        root = make_vault(base / "v", {f"{n}.md": f"# {n}\n[[A]] [[B]] [[Ёлка]]\n" for n in NAMES})
        state = base / "state"
        rng = random.Random(0)
        for kind, seed in ops:
            notes = sorted(root.rglob("*.md"))
            target = notes[seed % len(notes)] if notes else None
            if kind == "edit" and target is not None:
                # Same size, new content: only mtime/ctime tell, and they may not tick.
                data = target.read_bytes()
                target.write_bytes(data[::-1] if data[::-1] != data else data + b"x")
            elif kind == "rename" and target is not None:
                target.rename(target.with_name(f"R{seed}.md"))
            elif kind == "delete" and target is not None:
                target.unlink()
            else:
                (root / f"N{seed}.md").write_text(f"[[{rng.choice(NAMES)}]]\n", encoding="utf-8")
            assert audit(root, state, cached=True) == audit(root, base / f"p{seed}", cached=False)


def test_a_truncated_cache_is_rebuilt(tmp_path: Path) -> None:
    root = make_vault(tmp_path / "v", {"a.md": "[[b]]\n", "b.md": "x\n"})
    state = tmp_path / "state"
    first = audit(root, state, cached=True)
    session = app.open_session(root, state_override=state)
    cache_file = session.state_dir / CACHE_FILE
    data = cache_file.read_bytes()
    cache_file.write_bytes(data[: len(data) // 3])
    assert audit(root, state, cached=True) == first
    with sqlite3.connect(cache_file) as db:  # usable again
        assert db.execute("SELECT count(*) FROM notes").fetchone()[0] == 2


def test_a_garbage_cache_file_is_rebuilt(tmp_path: Path) -> None:
    root = make_vault(tmp_path / "v", {"a.md": "[[b]]\n", "b.md": "x\n"})
    state = tmp_path / "state"
    session = app.open_session(root, state_override=state)
    session.state_dir.mkdir(parents=True)
    (session.state_dir / CACHE_FILE).write_bytes(b"not a database at all" * 100)
    assert audit(root, state, cached=True) == audit(root, tmp_path / "p", cached=False)


def test_same_size_same_mtime_new_content_is_noticed(tmp_path: Path) -> None:
    root = make_vault(tmp_path / "v", {"a.md": "[[b]]\n", "b.md": "x\n", "c.md": "x\n"})
    state = tmp_path / "state"
    audit(root, state, cached=True)
    note = root / "a.md"
    stat = note.stat()
    note.write_text("[[c]]\n", encoding="utf-8")  # same size
    os.utime(note, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # mtime restored; ctime moved
    findings, _ = audit(root, state, cached=True)  # type: ignore[misc]
    plain, _ = audit(root, tmp_path / "p", cached=False)  # type: ignore[misc]
    assert findings == plain


def test_rows_from_the_future_are_checked_by_content(tmp_path: Path) -> None:
    """A clock that went backwards: timestamps newer than now are never trusted."""
    root = make_vault(tmp_path / "v", {"a.md": "[[b]]\n", "b.md": "x\n"})
    state = tmp_path / "state"
    audit(root, state, cached=True)
    session = app.open_session(root, state_override=state)
    cache = NoteCache.open(session.state_dir)
    assert cache is not None
    future = 2**62
    stamp = FileStamp("a.md", 6, future, future)
    with sqlite3.connect(session.state_dir / CACHE_FILE) as db:
        db.execute(
            "UPDATE notes SET mtime_ns = ?, ctime_ns = ?, cached_at_ns = ?",
            (future, future, future),
        )
    hits, misses, doubtful = cache.lookup([stamp])
    cache.close()
    assert hits == {}
    assert list(doubtful) == ["a.md"]
    assert not misses
    vault = load_vault(root, max_bytes=1 << 20, cache=NoteCache.open(session.state_dir))
    assert vault.index.notes["a.md"].links[0].raw == "[[b]]"


def test_notes_mv_rewrote_are_in_the_cache_for_the_next_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from click.testing import CliRunner

    from vaultpartner import vaultfs
    from vaultpartner.cli import main

    files = {f"n{i}.md": f"# {i}\n\nSee [[Old]] and [[Other]].\n" for i in range(5)}
    root = make_vault(tmp_path / "vault", {**files, "Old.md": "# Old\n", "Other.md": "x\n"})
    state = tmp_path / "state"
    base = ["--state-dir", str(state)]
    assert CliRunner().invoke(main, [*base, "audit", str(root)]).exit_code == 0  # fills it
    result = CliRunner().invoke(main, [*base, "mv", str(root), "Old.md", "New.md"])
    assert result.exit_code == 0, result.output
    parsed: list[str] = []
    real = vaultfs.read_note

    def counting(found: vaultfs.FoundFile, max_bytes: int) -> object:
        parsed.append(found.rel)
        return real(found, max_bytes)

    monkeypatch.setattr(vaultfs, "read_note", counting)
    session = app.open_session(root, state_override=state)
    vault = app.load(session, jobs=1)
    assert parsed == ["New.md"]  # the moved note only: the rewritten ones come from the cache
    assert "[[New]]" in (root / "n0.md").read_text()
    assert vault.index.notes == load_vault(root, max_bytes=1 << 24, jobs=1).index.notes


@pytest.mark.parametrize("count", [3, 200])  # hits read one by one, and in one pass
def test_hits_decode_to_the_notes_parsed(
    tmp_path: Path, count: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = {
        f"n{i}.md": f"---\ntags: [t{i}]\n---\n# N{i}\n[[n{i + 1}]] ^b{i}\n" for i in range(count)
    }
    root = make_vault(tmp_path / "v", files)
    # Cached 5 s after the files changed, so no row is doubtful.
    later = types.SimpleNamespace(time_ns=lambda: time.time_ns() + 5_000_000_000)
    monkeypatch.setattr("vaultpartner.cache.time", later)
    session = app.open_session(root, state_override=tmp_path / "state")
    plain = load_vault(root, max_bytes=1 << 20)
    app.load(session)  # fills the cache
    cache = NoteCache.open(session.state_dir)
    assert cache is not None
    stamps = [
        FileStamp(name, (root / name).stat().st_size, (root / name).stat().st_mtime_ns,
                  (root / name).stat().st_ctime_ns)
        for name in files
    ]  # fmt: skip
    hits, misses, doubtful = cache.lookup(stamps)
    cache.close()
    assert (misses, doubtful) == ([], {})
    assert hits == plain.index.notes


def test_broken_link_suggestions_are_kept_and_a_damaged_row_is_found_again(
    tmp_path: Path,
) -> None:
    files = {"Анна Смирнова.md": "x\n", "L.md": "[[Анна Смирнва]] [[Анна Смрнова]]\n"}
    root = make_vault(tmp_path / "v", files)
    state = tmp_path / "state"
    plain = audit(root, tmp_path / "plain", cached=False)
    assert audit(root, state, cached=True) == plain
    (root / "L.md").write_text("[[Анна Смирнва]] [[Анна Смрнова]] text\n", encoding="utf-8")
    session = app.open_session(root, state_override=state)
    with sqlite3.connect(session.state_dir / CACHE_FILE) as db:
        rows = db.execute("SELECT key, value FROM results").fetchall()
        memo = [value for key, value in rows if key.startswith("suggestions")]
        assert len(memo) == 1
        assert "анна смирнва" in bytes(memo[0]).decode()
        db.execute("UPDATE results SET value = ? WHERE key LIKE 'suggestions%'", (b"{garbage",))
    plain = audit(root, tmp_path / "plain2", cached=False)
    assert audit(root, state, cached=True) == plain
    findings, _ = plain  # type: ignore[misc]
    assert [f.suggestions for f in findings if f.code == "broken-link"] == [
        ("[[Анна Смирнова]]",),
        ("[[Анна Смирнова]]",),
    ]


def test_per_note_results_are_kept_and_a_damaged_row_is_recomputed(tmp_path: Path) -> None:
    files = {"A.md": "# Intro\n[[B#Gone]]\n", "B.md": "# Here\n[[A#Intro]] [[Nowhere]]\n"}
    root = make_vault(tmp_path / "v", files)
    state = tmp_path / "state"
    assert audit(root, state, cached=True) == audit(root, tmp_path / "p1", cached=False)
    session = app.open_session(root, state_override=state)

    def memo_rows() -> dict[str, bytes]:
        with sqlite3.connect(session.state_dir / CACHE_FILE) as db:
            rows = db.execute(
                "SELECT path, value FROM result_rows WHERE kind = 'audit-notes'"
            ).fetchall()
        return {path: bytes(value) for path, value in rows}

    a, b = bucket_of("A.md"), bucket_of("B.md")
    assert a != b  # so that one bucket can be damaged alone
    assert set(memo_rows()) == {"", a, b}  # "": the layout the rows belong to
    (root / "B.md").write_text("# Gone\n[[A#Intro]] [[Nowhere]]\n", encoding="utf-8")
    with sqlite3.connect(session.state_dir / CACHE_FILE) as db:
        db.execute("UPDATE result_rows SET value = ? WHERE path = ?", (b"\0" * 40, a))
    plain = audit(root, tmp_path / "p2", cached=True)
    assert audit(root, state, cached=True) == plain
    findings, _ = plain  # type: ignore[misc]
    assert not [f for f in findings if f.code == "broken-heading"]
    assert memo_rows()[a] != b"\0" * 40  # recomputed (it read B.md) and stored again
    (root / "A.md").write_text("# Intro\n[[B#Gone]] more\n", encoding="utf-8")
    with sqlite3.connect(session.state_dir / CACHE_FILE) as db:
        db.execute("UPDATE result_rows SET value = ? WHERE path = ?", (b"\0" * 40, b))
    assert audit(root, state, cached=True) == audit(root, tmp_path / "p3", cached=False)
    assert memo_rows()[b] != b"\0" * 40  # damaged, so checked again and stored


def test_per_note_rows_are_not_added_to_a_set_another_run_replaced(tmp_path: Path) -> None:
    from vaultpartner.cache import ResultCache

    results = ResultCache(tmp_path)
    results.put_rows("k", "one", {"A.md": b"a1", "B.md": b"b1"}, replace=True)
    results.put_rows("k", "two", {"A.md": b"a2"}, replace=True)  # another run, another layout
    results.put_rows("k", "one", {"B.md": b"b-late"})  # a run that read layout "one" earlier
    assert results.get_rows("k") == ("two", {"A.md": b"a2"})
    results.put_rows("k", "two", {"B.md": b"b2"}, removed=["A.md"])
    assert results.get_rows("k") == ("two", {"B.md": b"b2"})
    assert results.get_rows("other") == ("", {})


def test_a_result_cache_kept_open_sees_what_others_write_and_survives_damage(
    tmp_path: Path,
) -> None:
    from vaultpartner.cache import ResultCache

    mine, other = ResultCache(tmp_path), ResultCache(tmp_path)
    mine.put("k", b"mine")
    assert mine.get("k") == b"mine"
    other.put("k", b"other's")  # another process meanwhile: no stale view here
    assert mine.get("k") == b"other's"
    other.put_rows("rows", "layout", {"A.md": b"a"}, replace=True)
    assert mine.get_rows("rows") == ("layout", {"A.md": b"a"})
    other.close()
    mine.close()
    mine.close()  # twice is harmless
    # Garbage in place of the file: refused (and the connection dropped), then rebuilt.
    for suffix in ("", "-wal", "-shm"):
        Path(f"{tmp_path / CACHE_FILE}{suffix}").unlink(missing_ok=True)
    (tmp_path / CACHE_FILE).write_bytes(b"not a database" * 100)
    assert mine.get("k") is None
    mine.put("k", b"lost")  # not stored, no error
    (tmp_path / CACHE_FILE).unlink()
    mine.put("k", b"again")
    assert mine.get("k") == b"again"


SAMPLE = Path(__file__).resolve().parent.parent / "vaultpartner" / "sample_vault"
ANNA = "Рекрутеры/Анна Петрова.md"
CALL = "Взаимодействия/2026-10-02 Созвон с Анной.md"


def _edit(root: Path, rel: str, old: str, new: str) -> None:
    path = root / rel
    if path.exists():
        path.write_text(path.read_text(encoding="utf-8").replace(old, new, 1), encoding="utf-8")


PARTNER_EDITS = {
    "ordinary": lambda root: _edit(root, "Компании/Контур.md", "# Контур", "# Контур\n\nещё"),
    "recruiter-field": lambda root: _edit(root, ANNA, "cadence: 6w", "cadence: often"),
    "recruiter-contact": lambda root: _edit(root, ANNA, "email: anna", "email: anna2"),
    "interaction-date": lambda root: _edit(root, CALL, "date: 2026-10-02", "date: someday"),
    "interaction-new": lambda root: _edit(
        root,
        "Компании/Яндекс.md",
        "---\n",
        '---\ntype: interaction\ndate: 2026-11-01\nwith: "[[Иван Смирнов]]"\n',
    ),
    "confidential": lambda root: _edit(root, "Темы/HR.md", "---\n", "---\nconfidential: true\n"),
    "leak": lambda root: _edit(
        root,
        "Компании/Контур.md",
        "# Контур",
        "# Контур\n\n- держит в курсе внутренних вакансий, которые не уходят на сайты.\n",
    ),
    "delete-recruiter": lambda root: (root / ANNA).unlink(missing_ok=True),
}


@settings(max_examples=15, derandomize=True, deadline=None)
@given(st.lists(st.sampled_from(sorted(PARTNER_EDITS)), min_size=1, max_size=5))
@example(["confidential", "leak"])  # a leak into a note no other check reads
@example(["ordinary", "interaction-new", "recruiter-contact"])
def test_kept_partnership_findings_follow_every_note_they_read(edits: list[str]) -> None:
    import shutil
    import tempfile

    today = dt.date(2026, 12, 20)
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        root = base / "v"
        shutil.copytree(SAMPLE, root)
        state = base / "state"
        for step, name in enumerate(edits):
            PARTNER_EDITS[name](root)
            session = app.open_session(root, state_override=state)
            cached, _, _ = auditrun.run(session, use_cache=True, today=today)
            plain, _, _ = auditrun.run(
                app.open_session(root, state_override=base / f"p{step}"),
                use_cache=False,
                today=today,
            )
            assert cached == plain, name


def test_a_damaged_row_is_found_by_its_checksum_and_the_note_read_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_vault(tmp_path / "v", {"A.md": "[[B]] [[C]]\n", "B.md": "x\n"})
    later = types.SimpleNamespace(time_ns=lambda: time.time_ns() + 5_000_000_000)
    monkeypatch.setattr("vaultpartner.cache.time", later)  # no row doubtful
    session = app.open_session(root, state_override=tmp_path / "state")
    first = app.load(session)  # fills the cache
    with sqlite3.connect(session.state_dir / CACHE_FILE) as db:
        (wire,) = db.execute("SELECT wire FROM notes WHERE path = 'A.md'").fetchone()
        assert bytes(wire).count(b"[[C]]") == 1
        damaged = bytes(wire).replace(b"[[C]]", b"[[D]]")  # still decodes, to the wrong link
        db.execute("UPDATE notes SET wire = ? WHERE path = 'A.md'", (damaged,))
    cache = NoteCache.open(session.state_dir)
    assert cache is not None
    stamps = [
        FileStamp(name, (root / name).stat().st_size, (root / name).stat().st_mtime_ns,
                  (root / name).stat().st_ctime_ns)
        for name in ("A.md", "B.md")
    ]  # fmt: skip
    hits, misses, doubtful = cache.lookup(stamps)
    cache.close()
    assert ([m.path for m in misses], doubtful, list(hits)) == (["A.md"], {}, ["B.md"])
    again = app.load(session)
    assert again.index.notes == first.index.notes
    assert [link.raw for link in again.index.notes["A.md"].links] == ["[[B]]", "[[C]]"]


@pytest.mark.timeout(120)
def test_a_cold_parallel_audit_with_prefetched_near_misses_equals_a_serial_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from vaultpartner import vaultfs

    files = {
        f"Люди/Анна Смирнова {i}.md": f"[[Анна Смирнва {i}]] [[Проект {i % 3}]]\n"
        for i in range(30)
    }
    files.update(
        {f"Проект {i}.md": f"[[Анна Смирнова {i}]] [[Прект {i}]] [[Нет такой]]\n" for i in range(3)}
    )
    root = make_vault(tmp_path / "v", files)
    serial = auditrun.run(
        app.open_session(root, state_override=tmp_path / "s1"), jobs=1, use_cache=False
    )
    monkeypatch.setattr(vaultfs, "PARALLEL_THRESHOLD", 5)
    monkeypatch.setattr(vaultfs, "_CHUNK", 4)
    monkeypatch.setattr(auditrun, "PREFETCH_MINIMUM_FILES", 5)  # else too small for it
    searched: list[int] = []
    merge = auditrun.merge_prefetched
    monkeypatch.setattr(
        auditrun,
        "merge_prefetched",
        lambda memo, found: (searched.append(len(found)), merge(memo, found))[1],
    )
    for cached, state in ((False, "s2"), (True, "s3"), (True, "s3")):
        session = app.open_session(root, state_override=tmp_path / state)
        parallel = auditrun.run(session, jobs=2, use_cache=cached)
        assert (parallel[0], parallel[1]) == (serial[0], serial[1])
    assert min(searched[:2]) > 0  # the workers searched (the third run parses nothing)
    suggested = [f.suggestions for f in serial[0].findings if f.code == "broken-link"]
    assert sum(1 for found in suggested if found) >= 30  # near misses were part of it


def test_a_cache_of_another_parser_version_is_emptied_whole(tmp_path: Path) -> None:
    from vaultpartner.cache import ResultCache

    root = make_vault(tmp_path / "v", {"A.md": "[[B#Gone]]\n", "B.md": "# Here\n"})
    state = tmp_path / "state"
    assert audit(root, state, cached=True) == audit(root, tmp_path / "plain", cached=False)
    session = app.open_session(root, state_override=state)
    path = session.state_dir / CACHE_FILE
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT count(*) FROM result_rows").fetchone()[0] > 0
        db.execute("UPDATE meta SET value = 'another parser' WHERE key = 'parser'")
    assert ResultCache(session.state_dir).get_rows("audit-notes") == ("", {})
    with sqlite3.connect(path) as db:
        for table in ("notes", "results", "result_rows"):
            assert db.execute(f"SELECT count(*) FROM {table}").fetchone()[0] == 0
    assert audit(root, state, cached=True) == audit(root, tmp_path / "plain2", cached=False)


def test_the_parser_workers_search_near_misses_only_in_a_large_vault() -> None:
    from vaultpartner.prefetch import SuggestionPrefetch

    small = SuggestionPrefetch([f"{i}.md" for i in range(100)], (), 72)
    large = SuggestionPrefetch([f"{i}.md" for i in range(auditrun.PREFETCH_MINIMUM_FILES)], (), 72)
    assert auditrun._task(small) is None
    assert auditrun._task(large) is not None


def test_a_new_cache_and_an_emptied_old_one_get_the_large_pages(tmp_path: Path) -> None:
    from vaultpartner.cache import PAGE_SIZE

    root = make_vault(tmp_path / "v", {"A.md": "[[B]]\n"})
    state = tmp_path / "state"
    assert audit(root, state, cached=True)
    path = app.open_session(root, state_override=state).state_dir / CACHE_FILE
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA page_size").fetchone()[0] == PAGE_SIZE
    # A cache of an older version, made with the default pages, and its parser outdated.
    path.unlink()
    for suffix in ("-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA page_size=4096")
        db.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        db.execute("INSERT INTO meta VALUES ('parser', 'an older parser')")
    plain = audit(root, tmp_path / "plain", cached=False)
    assert audit(root, state, cached=True) == plain
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA page_size").fetchone()[0] == PAGE_SIZE
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert audit(root, state, cached=True) == plain


def test_notes_written_just_before_caching_are_checked_by_content_not_audited_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Timestamps within moments of the caching leave doubt (coarse clocks); the next run
    hashes those few notes and, when they are as cached, answers from the result cache."""
    from vaultpartner import vaultfs

    root = make_vault(tmp_path / "v", {"A.md": "[[B]] [[Нет]]\n", "B.md": "# B\n"})
    state = tmp_path / "state"
    first = auditrun.run(app.open_session(root, state_override=state))
    checked: list[str] = []
    same = vaultfs.same_content
    monkeypatch.setattr(
        auditrun, "same_content", lambda found, *a: (checked.append(found.rel), same(found, *a))[1]
    )
    second = auditrun.run(app.open_session(root, state_override=state))
    assert second[2] is None  # answered from the result cache
    assert second[0] == first[0]
    assert sorted(checked) == ["A.md", "B.md"]  # written moments before the caching
    (root / "A.md").write_text("[[B]]\n", encoding="utf-8")  # an edit: audited again
    fourth = auditrun.run(app.open_session(root, state_override=state))
    assert fourth[2] is not None
    assert fourth[0] == auditrun.run(app.open_session(root, state_override=tmp_path / "p"))[0]


def test_a_run_answered_from_the_result_cache_empties_the_write_ahead_log(tmp_path: Path) -> None:
    root = make_vault(
        tmp_path / "v", {f"N{i}.md": f"[[N{i + 1}]] [[Нет {i}]]\n" * 20 for i in range(60)}
    )
    old = time.time() - 60  # no doubt about the timestamps: the second run is answered at once
    for path in root.iterdir():
        os.utime(path, (old, old))
    state = tmp_path / "state"
    first = auditrun.run(app.open_session(root, state_override=state))
    wal = app.open_session(root, state_override=state).state_dir / f"{CACHE_FILE}-wal"
    second = auditrun.run(app.open_session(root, state_override=state))
    assert second[2] is None  # from the result cache
    assert second[0] == first[0]
    assert not wal.exists() or wal.stat().st_size == 0
