"""Per-note audit results reused between runs: always the findings a fresh audit gives."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from vaultpartner.audit import AuditOptions, AuditResult, run_audit
from vaultpartner.auditmemo import AuditMemo, bucket_of, changed_buckets, decode_memo
from vaultpartner.index import FileEntry, VaultIndex
from vaultpartner.note import parse_note

OPTIONS = AuditOptions(language="en", template_folders=("Templates",))


def index_of(files: dict[str, str]) -> VaultIndex:
    notes = [parse_note(path, text.encode(), max_bytes=1 << 20) for path, text in files.items()]
    entries = [FileEntry(path, len(text.encode())) for path, text in files.items()]
    return VaultIndex.build(entries, notes)


def layout(files: dict[str, str]) -> tuple[str, ...]:
    """The vault's files in index order, as the audit's shell hands them to the memo."""
    return tuple(index_of(files).files)


def audited(files: dict[str, str], memo: AuditMemo | None) -> AuditResult:
    return run_audit(index_of(files), OPTIONS, memo=memo)


VAULT = {
    "A.md": "# Top\n## Part\n[[B#Intro]] [[C]] [[Missing]]\n",
    "B.md": "---\naliases: [Bee]\n---\n# Intro\nText ^blk\n[[A#Part]] [[Bee]]\n",
    "C.md": "[[B#^blk]] [[A#Nowhere]]\n",
    "sub/C.md": "alone\n",
    "Templates/T.md": "[[Nowhere]]\n",
}


def test_an_unchanged_vault_reuses_every_note_and_gives_the_same_findings() -> None:
    memo = AuditMemo("ctx")
    first = audited(VAULT, memo)
    assert memo.changed
    assert set(memo.notes) == set(VAULT)
    kept = dict(memo.notes)
    memo.stored()
    assert audited(VAULT, memo) == first
    assert not memo.changed
    assert all(memo.notes[path] is kept[path] for path in VAULT)


def test_a_heading_renamed_in_a_target_rechecks_the_notes_that_link_into_it() -> None:
    memo = AuditMemo("ctx")
    audited(VAULT, memo)
    kept = dict(memo.notes)
    edited = {**VAULT, "B.md": VAULT["B.md"].replace("# Intro", "# Opening")}
    result = audited(edited, memo)
    assert result == audited(edited, None)
    assert any(f.code == "broken-heading" and f.path == "A.md" for f in result.findings)
    assert memo.notes["A.md"] is not kept["A.md"]  # read B's headings
    assert memo.notes["sub/C.md"] is kept["sub/C.md"]


def test_a_new_file_or_alias_starts_the_memo_afresh() -> None:
    memo = AuditMemo("ctx")
    audited(VAULT, memo)
    key = memo.key
    assert audited({**VAULT, "Missing.md": "here\n"}, memo) == audited(
        {**VAULT, "Missing.md": "here\n"}, None
    )
    assert memo.key != key
    aliased = {**VAULT, "sub/C.md": "---\naliases: [Missing]\n---\n"}
    assert audited(aliased, memo) == audited(aliased, None)


def test_another_context_starts_afresh() -> None:
    memo = AuditMemo("one")
    audited(VAULT, memo)
    other = AuditMemo("two", memo.key, dict(memo.notes))
    audited(VAULT, other)
    assert other.key != memo.key


def test_the_memo_survives_encoding_and_a_damaged_bucket_is_left_out() -> None:
    memo = AuditMemo("ctx")
    audited(VAULT, memo)
    assert memo.fresh
    rows = changed_buckets(memo, layout(VAULT))
    assert set(rows) == {bucket_of(path) for path in VAULT}
    back = decode_memo(memo.key, rows, "ctx", layout(VAULT))
    assert (back.key, back.notes) == (memo.key, memo.notes)
    bucket = bucket_of("A.md")
    in_bucket = {path for path in VAULT if bucket_of(path) == bucket}
    data = rows[bucket]
    for damaged in (data[:-1], data[:40], b"", data[:32] + b"x" + data[33:]):
        left = decode_memo(memo.key, {**rows, bucket: damaged}, "ctx", layout(VAULT))
        assert set(left.notes) == set(VAULT) - in_bucket
    moved = {**rows, str((int(bucket) + 1) % 256): data}  # a bucket stored under another name
    assert set(decode_memo(memo.key, moved, "ctx", layout(VAULT)).notes) == set(VAULT)


def test_only_the_buckets_of_what_a_run_recomputed_are_stored_again() -> None:
    memo = AuditMemo("ctx")
    audited(VAULT, memo)
    memo.stored()
    audited({**VAULT, "sub/C.md": "alone, edited\n"}, memo)
    assert not memo.fresh
    assert set(changed_buckets(memo, layout(VAULT))) == {bucket_of("sub/C.md")}
    memo.stored()
    without = {path: text for path, text in VAULT.items() if path != "sub/C.md"}
    audited(without, memo)
    assert memo.fresh  # a file gone changes the layout
    memo.stored()
    edited = {**without, "C.md": "[[B#^blk]]\n"}
    audited(edited, memo)
    assert (memo.dirty, memo.removed) == ({"C.md"}, set())


# Hypothesis: any sequence of edits, renames, deletions and creations; the memo carried from
# run to run always gives what a fresh audit gives.
TEXTS = [
    "# One\n## Two\n[[A]] [[B#One]] [[C#^x]]\n",
    "---\naliases: [Bee, See]\n---\n# Two\nline ^x\n[[See]] [[A#Two]]\n",
    "[[Bee]] [[sub/A#One]] [[Gone]] [[C#Two]]\n",
    "---\nbroken: [\n---\n[[A]]\n",
    "# One\nplain ^y\n[[#One]] [[B#^y]]\n",
    "---\ngenerated_by: vaultpartner\nvaultpartner: report\n---\n[[A]] [[B]]\n",
]
NAMES = ["A.md", "B.md", "C.md", "sub/A.md", "Templates/B.md"]
OPERATIONS = st.lists(
    st.tuples(
        st.sampled_from(["edit", "rename", "delete", "create"]),
        st.integers(0, len(NAMES) - 1),
        st.integers(0, len(TEXTS) - 1),
    ),
    min_size=1,
    max_size=10,
)


def apply(files: dict[str, str], kind: str, which: int, text: int) -> None:
    """One edit, rename, deletion or creation of the vault `files`."""
    name = NAMES[which]
    present = sorted(files)
    if kind == "edit" and present:
        files[present[which % len(present)]] = TEXTS[text]
    elif kind == "rename" and present:
        old = present[which % len(present)]
        if name not in files:
            files[name] = files.pop(old)
    elif kind == "delete" and present:
        files.pop(present[which % len(present)])
    else:
        files[name] = TEXTS[text]


@settings(max_examples=60, derandomize=True, deadline=None)
@given(OPERATIONS)
def test_a_carried_memo_always_gives_a_fresh_audits_findings(
    ops: list[tuple[str, int, int]],
) -> None:
    files = {NAMES[i]: TEXTS[i] for i in range(4)}
    memo = AuditMemo("ctx")
    audited(files, memo)
    for kind, which, text in ops:
        apply(files, kind, which, text)
        assert audited(files, memo) == audited(files, None)


def _stored(memo: AuditMemo, rows: dict[str, bytes], files: tuple[str, ...]) -> dict[str, bytes]:
    """What the result cache holds after storing the memo's changes (see auditrun)."""
    kept = {} if memo.fresh else dict(rows)
    kept.update(changed_buckets(memo, files))
    memo.stored()
    return kept


@settings(max_examples=60, derandomize=True, deadline=None)
@given(OPERATIONS)
def test_a_memo_stored_change_by_change_always_gives_a_fresh_audits_findings(
    ops: list[tuple[str, int, int]],
) -> None:
    files = {NAMES[i]: TEXTS[i] for i in range(4)}
    memo = AuditMemo("ctx")
    audited(files, memo)
    rows = _stored(memo, {}, layout(files))
    for kind, which, text in ops:
        apply(files, kind, which, text)
        # Decoded with the files of the run that reads it, as the shell does: stored with
        # another layout, its entries may decode to nonsense, but they are never used.
        loaded = decode_memo(memo.key, rows, "ctx", layout(files))
        assert audited(files, loaded) == audited(files, None)
        assert set(loaded.notes) == set(files)
        rows = _stored(loaded, rows, layout(files))
        memo = loaded
        assert set(decode_memo(memo.key, rows, "ctx", layout(files)).notes) == set(files)
