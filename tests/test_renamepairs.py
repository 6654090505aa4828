"""Rename pairing in a watcher batch (pure; the engine's tests cover it with real files)."""

from __future__ import annotations

from vaultpartner.renamepairs import EMPTY_IDENTITY, Batch, earlier_names, pair_renames


def batch(**kwargs: object) -> Batch:
    fields: dict[str, object] = {
        "removed": [],
        "added": {},
        "known": {},
        "indexed": set(),
        "gone_recently": {},
        "moves": (),
    }
    fields.update(kwargs)
    return Batch(**fields)  # type: ignore[arg-type]


def test_one_gone_and_one_new_with_the_same_content_are_a_rename() -> None:
    found = pair_renames(
        batch(removed=["A.md"], added={"B.md": "h1"}, known={"A.md": "h1"}, indexed={"A.md"})
    )
    assert found == ({"A.md": "B.md"}, [])


def test_several_files_with_one_content_are_not_guessed() -> None:
    renames, shared = pair_renames(
        batch(
            removed=["A.md"],
            added={"B.md": "h1", "C.md": "h1"},
            known={"A.md": "h1"},
            indexed={"A.md"},
        )
    )
    assert renames == {}
    assert shared == ["A.md"]


def test_a_changed_file_that_stayed_is_no_rename_target() -> None:
    renames, _ = pair_renames(
        batch(
            removed=["A.md"],
            added={"B.md": "h1"},
            known={"A.md": "h1", "B.md": "h0"},
            indexed={"A.md", "B.md"},
        )
    )
    assert renames == {}


def test_a_file_filled_after_it_was_seen_empty_is_still_arriving() -> None:
    renames, _ = pair_renames(
        batch(
            removed=["A.md"],
            added={"B.md": "h1"},
            known={"A.md": "h1", "B.md": EMPTY_IDENTITY},
            indexed={"A.md", "B.md"},
        )
    )
    assert renames == {"A.md": "B.md"}


def test_a_sync_conflict_copy_is_never_a_rename() -> None:
    copy = "A.sync-conflict-20260101-120000-ABCDEFG.md"
    renames, _ = pair_renames(
        batch(removed=["A.md"], added={copy: "h1"}, known={"A.md": "h1"}, indexed={"A.md"})
    )
    assert renames == {}


def test_a_rename_split_over_two_batches() -> None:
    renames, _ = pair_renames(batch(added={"B.md": "h1"}, gone_recently={"h1": ("A.md", 1.0)}))
    assert renames == {"A.md": "B.md"}


def test_reported_moves_pair_a_file_changed_since_and_follow_chains() -> None:
    renames, _ = pair_renames(
        batch(
            removed=["A.md", "X.md"],
            added={"C.md": "h9", "Y.md": "h8"},
            known={"A.md": "h1", "X.md": "h2"},
            indexed={"A.md", "X.md"},
            moves=(("A.md", "B.md"), ("B.md", "C.md"), ("X.md", "Z.md")),
        )
    )
    assert renames == {"A.md": "C.md"}  # X.md moved to Z.md, which is gone again


def test_a_move_cycle_ends() -> None:
    renames, _ = pair_renames(
        batch(
            removed=["A.md"],
            added={"B.md": "h9"},
            known={"A.md": "h1"},
            indexed={"A.md"},
            moves=(("A.md", "B.md"), ("B.md", "A.md"), ("A.md", "B.md")),
        )
    )
    assert renames == {"A.md": "B.md"}


def test_a_recent_rename_undone_pairs_whatever_the_content() -> None:
    renames, _ = pair_renames(
        batch(
            removed=["B.md"],
            added={"A.md": "h-older"},
            known={"B.md": "h1"},
            indexed={"B.md"},
            undone={"B.md": ("A.md", 100.0)},
        )
    )
    assert renames == {"B.md": "A.md"}


def test_a_chain_of_recent_renames_undone_at_once_pairs_the_first_name() -> None:
    """Soak finding: A -> B, then B -> C; a checkout brought A back and took C away."""
    renames, _ = pair_renames(
        batch(
            removed=["C.md"],
            added={"A.md": "h-older"},
            known={"C.md": "h1"},
            indexed={"C.md"},
            undone={"B.md": ("A.md", 100.0), "C.md": ("B.md", 105.0)},
        )
    )
    assert renames == {"C.md": "A.md"}


def test_earlier_names_stop_at_another_notes_rename_into_a_freed_name() -> None:
    # A -> B at 100; later (110) another note X was renamed to the freed name A.
    recent = {"B.md": ("A.md", 100.0), "A.md": ("X.md", 110.0)}
    assert earlier_names(recent, "B.md") == ["A.md"]
    assert earlier_names(recent, "A.md") == ["X.md"]
    cycle = {"B.md": ("A.md", 100.0), "A.md": ("B.md", 90.0)}
    assert earlier_names(cycle, "B.md") == ["A.md"]
