"""Near-miss suggestions: the bucketed search equals a plain scan of the same candidates."""

from __future__ import annotations

import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st
from rapidfuzz import fuzz

from vaultpartner.suggest import NameMatcher, SuggestionMemo, fold

LETTERS = "abcdeёе жз"
names_strategy = st.lists(st.text(LETTERS, min_size=1, max_size=9), min_size=1, max_size=60)


def reference(names: list[str], wanted: str, cutoff: int, limit: int = 3) -> list[str]:
    """Spelling variants first; else every name sharing the first or last three folded letters,
    scored by ratio, best first, ties to the earlier name."""
    unique = list(dict.fromkeys(names))
    key = fold(wanted)
    variants = [name for name in unique if fold(name) == key]
    if variants:
        return variants[:limit]
    if len(key) < 3:
        return []
    scored = []
    for position, name in enumerate(unique):
        folded = fold(name)
        if folded[:3] != key[:3] and folded[-3:] != key[-3:]:
            continue
        score = fuzz.ratio(key, folded)
        if score >= cutoff:
            scored.append((-score, position, name))
    return [name for _, _, name in sorted(scored)[:limit]]


@settings(max_examples=300, deadline=None, derandomize=True)
@given(names_strategy, st.text(LETTERS, min_size=0, max_size=10), st.sampled_from([50, 72, 90]))
def test_close_equals_a_plain_scan(names: list[str], wanted: str, cutoff: int) -> None:
    assert NameMatcher(names, cutoff=cutoff).close(wanted) == reference(names, wanted, cutoff)


def test_a_typo_finds_the_note() -> None:
    matcher = NameMatcher(["Рекрутинг", "Рекрутмент", "Собеседование"], cutoff=72)
    assert matcher.close("Рекрутнг")[0] == "Рекрутинг"
    assert matcher.close("рекрутинг") == ["Рекрутинг"]  # a spelling variant only


def test_a_memo_answers_for_the_same_names_without_searching_again() -> None:
    names = ["Иван Петров", "Анна Смирнова", "Project Atlas", "Project Orion"]
    memo = SuggestionMemo()
    first = NameMatcher(names, cutoff=72, memo=memo)
    assert first.close("Иван Петрв") == ["Иван Петров"]
    assert first.close("Project Atlsa") == ["Project Atlas"]
    assert memo.changed
    assert memo.found == {"иван петрв": ["Иван Петров"], "project atlsa": ["Project Atlas"]}
    kept = SuggestionMemo(memo.key, dict(memo.found))
    again = NameMatcher(names, cutoff=72, memo=kept)
    assert again.close("Иван Петрв") == ["Иван Петров"]
    assert not kept.changed
    assert not again._built  # answered from the memo: the buckets were never built


def test_a_memo_for_other_names_or_cutoff_is_dropped() -> None:
    memo = SuggestionMemo()
    NameMatcher(["Alpha", "Beta"], cutoff=72, memo=memo).close("Alpah")
    stale = SuggestionMemo(memo.key, {"alpah": ["Gamma"]})
    assert NameMatcher(["Alpha", "Beta", "Gamma"], cutoff=72, memo=stale).close("Alpah") == [
        "Alpha"
    ]
    assert stale.changed
    stale = SuggestionMemo(memo.key, {"alpah": ["Gamma"]})
    assert NameMatcher(["Alpha", "Beta"], cutoff=90, memo=stale).close("Alpah") == []


def _fold_by_definition(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text.lower().replace("ё", "е"))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return unicodedata.normalize("NFC", stripped)


@settings(max_examples=400, derandomize=True)
@given(
    st.text(
        alphabet=st.one_of(
            st.characters(),
            st.sampled_from("ёЁйЙåÅéx\u0308\u0301\u1100\u1161\uac00ǅ ."),
        ),
        max_size=12,
    )
)
def test_fold_takes_short_cuts_without_changing_its_answer(text: str) -> None:
    assert fold(text) == _fold_by_definition(text)


def test_near_misses_prefetched_by_the_parser_workers_are_the_audits_own() -> None:
    from vaultpartner.audit import AuditOptions, run_audit
    from vaultpartner.index import FileEntry, VaultIndex
    from vaultpartner.note import parse_note
    from vaultpartner.prefetch import SuggestionPrefetch, merge_prefetched

    files = {
        "Анна Смирнова.md": "x\n",
        "Templates/Анна Смирнва.md": "template\n",
        "Проект.md": "[[Анна Смирнва]] [[sub/Проетк.md]] [[Анна Смирнова]] ![[pic.pgn]]\n",
        "sub/Заметка.md": "[[Проект]] [Проект](Проктт.md) [[Совсем другое]]\n",
        "pic.png": "",
    }
    notes = [
        parse_note(p, t.encode(), max_bytes=1 << 20) for p, t in files.items() if p.endswith(".md")
    ]
    index = VaultIndex.build([FileEntry(p, len(t)) for p, t in files.items()], notes)
    options = AuditOptions(language="ru", template_folders=("Templates",))
    prefetch = SuggestionPrefetch(list(files), options.template_folders, options.suggestion_cutoff)
    for note in notes:  # a chunk a note, as workers would see them
        for item in prefetch.plan(prefetch.scan([note])):
            prefetch.collect(prefetch.work(item))
    prefetched = SuggestionMemo()
    merge_prefetched(prefetched, prefetch.found)
    # [[Анна Смирнва]] opens the template of that name: no file lacks, nothing searched.
    assert set(prefetched.found) == {"проетк", "проктт", "совсем другое", "pic.pgn"}
    own = SuggestionMemo()
    plain = run_audit(index, options, suggestions=own)
    assert own.found == {k: v for k, v in prefetched.found.items() if k in own.found}
    assert set(own.found) == set(prefetched.found)  # the same names searched, no more
    assert own.found["проетк"] == ["Проект"]
    assert own.key == prefetched.key
    prefetched.changed = False
    assert run_audit(index, options, suggestions=prefetched) == plain
    assert not prefetched.changed  # every near miss the audit wanted was there
