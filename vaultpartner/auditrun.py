"""Running the audit through the caches: an unchanged vault answers from the result cache.

The result is keyed by everything it depends on: the vault's files (paths, and content hashes
of notes), the settings, the date used for date rules, and vaultpartner's own code. Any change
to one of them means a fresh audit.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import lru_cache
from pathlib import Path

from vaultpartner import __version__, app, hubcmd
from vaultpartner.audit import AuditResult
from vaultpartner.auditmemo import (
    AuditMemo,
    changed_buckets,
    decode_findings,
    decode_memo,
    encode_findings,
)
from vaultpartner.cache import FileStamp, NoteCache, ResultCache
from vaultpartner.findings import Finding
from vaultpartner.messages import Language
from vaultpartner.offload import Helper, can_start
from vaultpartner.paths import is_markdown
from vaultpartner.prefetch import SuggestionPrefetch, merge_prefetched
from vaultpartner.state import ensure_vault_state_dir
from vaultpartner.suggest import SuggestionMemo
from vaultpartner.vaultfs import (
    LoadedVault,
    Progress,
    Walk,
    WorkerTask,
    bulk_allocation,
    default_jobs,
    same_content,
    walk_vault,
)


@lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """vaultpartner's own code: a new version or a local change never reuses old results."""
    digest = hashlib.sha256(__version__.encode())
    package = Path(__file__).resolve().parent
    for source in sorted(package.rglob("*.py")):
        digest.update(source.name.encode())
        digest.update(source.read_bytes())
    return digest.hexdigest()


def _settings(session: app.Session) -> tuple[str, str, str]:
    """What every kept result depends on besides the vault: the code and the settings."""
    return code_fingerprint(), repr(session.config), repr(session.obsidian)


def _key(
    session: app.Session,
    files: Iterable[tuple[str, bool]],
    hashes: dict[str, str],
    loops: Iterable[str],
    extra: str,
) -> str:
    digest = hashlib.sha256()
    for part in (*_settings(session), extra):
        digest.update(part.encode())
        digest.update(b"\0")
    for path, symlinked in sorted(files):
        digest.update(f"{path}\0{int(symlinked)}\0{hashes.get(path, '')}\n".encode())
    for loop in sorted(loops):
        digest.update(f"loop\0{loop}\n".encode())
    return digest.hexdigest()


def _encode(result: AuditResult, language: Language) -> bytes:
    return encode_findings(result.findings, (language, result.stats))


def _decode(data: bytes) -> tuple[AuditResult, Language] | None:
    found = decode_findings(data)
    if found is None:
        return None
    header, findings = found
    if not (isinstance(header, tuple) and len(header) == 2 and isinstance(header[1], dict)):
        return None
    language: Language = "ru" if header[0] == "ru" else "en"
    return AuditResult(findings, dict(header[1])), language


# The result cache's rows for near misses of broken links and of missing topics (kept while
# the names they were searched among stay the same).
_SUGGESTIONS_KEY = "suggestions\0"
_TOPICS_ROW = "topic-suggestions\0"


def _load_suggestions(results: ResultCache, row: str = _SUGGESTIONS_KEY) -> SuggestionMemo:
    found = results.get(row + code_fingerprint())
    if found is None:
        return SuggestionMemo()
    try:
        document = json.loads(found)
        key, names = document["key"], document["found"]
        if not isinstance(key, str) or not isinstance(names, dict):
            raise TypeError(type(names).__name__)
        memo = {
            str(wanted): [str(name) for name in close]
            for wanted, close in names.items()
            if isinstance(close, list)
        }
    except (ValueError, KeyError, TypeError):
        return SuggestionMemo()  # damaged: found again and stored anew
    return SuggestionMemo(key, memo)


def _encode_suggestions(memo: SuggestionMemo) -> bytes:
    return json.dumps({"key": memo.key, "found": memo.found}, ensure_ascii=False).encode()


# The result cache's row prefix for partnership findings.
_PARTNERS_KEY = "partners\0"
# The result cache's rows of per-note audit results, a bucket of notes a row (reused for the
# notes a change leaves alone). The memo's key covers the code and settings (its context), so
# one set is enough.
_NOTES_ROWS = "audit-notes"


def _load_memo(session: app.Session, results: ResultCache, files: Sequence[str]) -> AuditMemo:
    # The options' exclusion rule is a callable: the settings it comes from stand for it.
    context = hashlib.sha256("\0".join(_settings(session)).encode()).hexdigest()
    key, buckets = results.get_rows(_NOTES_ROWS)
    return decode_memo(key, buckets, context, files)


def _store_memo(memo: AuditMemo, results: ResultCache, files: Sequence[str]) -> None:
    rows = changed_buckets(memo, files)
    results.put_rows(_NOTES_ROWS, memo.key, rows, replace=memo.fresh)
    memo.stored()


def _profile_changed(session: app.Session, vault: LoadedVault) -> dt.date | None:
    from vaultpartner.profilenote import profile_changed  # the partnership checks' imports

    return profile_changed(session, vault)


def _partners_key(
    session: app.Session, vault: LoadedVault, today: dt.date | None, language: Language
) -> str:
    """The result cache's key of the partnership findings: what they read stays the same
    while the settings, the vault's files and the notes `partner_inputs` names do."""
    from vaultpartner.partners.inputs import partner_inputs

    digest = hashlib.sha256()
    settings = (
        *_settings(session),
        repr(session.obsidian_types()),
        today,
        _profile_changed(session, vault) if today is not None else None,
        language,
    )
    digest.update(repr(settings).encode())
    for path in vault.index.files:
        digest.update(f"\n{path}".encode())
    for path, content_hash in partner_inputs(vault.index, session.config.partners):
        digest.update(f"\n{path}\0{content_hash}".encode())
    return _PARTNERS_KEY + digest.hexdigest()


class _PartnerFindings:
    """app.partner_findings, kept in the result cache, and handed to a helper process along
    with the per-note checks when one runs (see _Offload)."""

    def __init__(
        self,
        session: app.Session,
        vault: LoadedVault,
        today: dt.date | None,
        language: Language,
        results: ResultCache | None,
    ) -> None:
        self._compute_args = (session, vault, today, language)
        self._results = results
        self._key = None if results is None else _partners_key(session, vault, today, language)
        found = None if self._key is None or results is None else results.get(self._key)
        decoded = None if found is None else decode_findings(found)
        self.kept = None if decoded is None else list(decoded[1])

    def compute(self) -> list[Finding]:
        session, vault, today, language = self._compute_args
        return app.partner_findings(session, vault, today=today, language=language)

    def encoded(self) -> bytes:
        return encode_findings(tuple(self.compute()))

    def findings(self, computed: bytes | None) -> list[Finding]:
        """The kept findings, else those `computed` elsewhere (computed here when that
        failed), then kept for the next run."""
        if self.kept is not None:
            return self.kept
        decoded = None if computed is None else decode_findings(computed)
        fresh = self.compute() if decoded is None else list(decoded[1])
        if self._results is not None and self._key is not None:
            self._results.put(self._key, encode_findings(tuple(fresh)))
        return fresh


class _HubFindings:
    """The hub checks' findings (topics without a hub, hubs to update), with the near misses
    of missing topics kept in the result cache; handed to a helper like the partnerships."""

    def __init__(
        self,
        session: app.Session,
        vault: LoadedVault,
        language: Language,
        results: ResultCache | None,
    ) -> None:
        self._args = (session, vault, language)
        self._results = results
        self._topics = None if results is None else _load_suggestions(results, _TOPICS_ROW)

    def _compute(self) -> list[Finding]:
        session, vault, language = self._args
        plan = hubcmd.plan_for_vault(session, vault, language=language, suggestions=self._topics)
        return hubcmd.hub_findings(plan, language)

    def encoded(self) -> bytes:
        """The findings, with the near misses this search added (for `findings` to keep)."""
        found = self._compute()
        topics = self._topics
        added = (topics.key, topics.found) if topics is not None and topics.changed else None
        return encode_findings(tuple(found), header=added)

    def findings(self, computed: bytes | None) -> list[Finding]:
        """The findings `computed` elsewhere (computed here when that failed); the near
        misses of missing topics stored when they changed."""
        decoded = None if computed is None else decode_findings(computed)
        if decoded is None:
            found = self._compute()
        else:
            header, hubs = decoded
            found = list(hubs)
            if self._topics is not None and isinstance(header, list | tuple) and len(header) == 2:
                key, names = header
                if isinstance(key, str) and isinstance(names, dict):
                    self._topics.merge(key, names)
        topics = self._topics
        if self._results is not None and topics is not None and topics.changed:
            self._results.put(_TOPICS_ROW + code_fingerprint(), _encode_suggestions(topics))
        return found


class _Offload:
    """The audit's Offload: a forked helper (see vaultpartner.offload) for a share of the
    per-note checks, then each of `extras` in order (the hub and partnership checks, the
    snapshot); `result(name)` gives what an extra returned there, or None when no helper ran
    it. With few notes to check (after a small change) the helper runs the extras alone."""

    def __init__(
        self, extras: Mapping[str, Callable[[], bytes]], share: float, *, allowed: bool = True
    ) -> None:
        self._extras = dict(extras)
        self._received: dict[str, bytes | None] = {}
        self._helper: Helper | None = None
        self._allowed = allowed  # False: one core, or `--jobs 1` (everything in this process)
        self.share = share

    def start(self, compute: Callable[[], bytes] | None) -> Callable[[], bytes | None] | None:
        works = [*([] if compute is None else [compute]), *self._extras.values()]
        if not self._allowed or self._helper is not None or not works or not can_start():
            return None
        self._helper = Helper(works)
        return None if compute is None else self._helper.next

    def result(self, name: str) -> bytes | None:
        if self._helper is None or name not in self._extras:
            return None
        for extra in self._extras:  # the helper sends them in this order
            if extra not in self._received:
                self._received[extra] = self._helper.next()
            if extra == name:
                break
        return self._received[name]

    def close(self) -> None:
        if self._helper is not None:
            self._helper.close()


# The helper's share of the notes to check, by how many extras follow in it (hubs, partnership
# checks, snapshot): the helper's extras take about as long as what this process does after
# its share (decoding the helper's results, storing the per-note results, the result cache).
# Measured on the 10,000-note benchmark vault (neither waited for the other for long).
_SHARE = {1: 0.5, 2: 0.4, 3: 0.35}


def _file_digest(path: Path) -> str:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return ""


def _audit(
    session: app.Session,
    vault: LoadedVault,
    today: dt.date | None,
    results: ResultCache | None = None,
    found: Sequence[tuple[str, dict[str, list[str]]]] = (),
    *,
    snapshot: Callable[[LoadedVault], None] | None = None,
    done: Callable[[AuditResult, Language], None] | None = None,
    jobs: int | None = None,
) -> tuple[AuditResult, Language]:
    """The audit plus hub and partnership findings (and overdue follow-ups as of `today`).

    With `results`, work that outlives a change is kept there and reused: near misses of
    broken links and of missing topics, per-note results, and partnership findings.
    `found`: near misses the parser workers searched (see prefetch). `snapshot`: records the
    loaded vault's snapshot. `done`: called with the result as soon as it is complete (before
    waiting for the snapshot). A forked helper checks a share of the notes when there are
    many, then the hubs and the partnerships, and records the snapshot, meanwhile (unless
    `jobs` is 1 or there is one core: see `_Offload`).
    """
    files = tuple(vault.index.files)  # the layout's order (see audit.layout_key)
    suggestions = SuggestionMemo() if results is None else _load_suggestions(results)
    merge_prefetched(suggestions, found)
    memo = None if results is None else _load_memo(session, results, files)
    language = session.language_for(vault)
    partners = _PartnerFindings(session, vault, today, language, results)
    hubs = _HubFindings(session, vault, language, results)
    extras: dict[str, Callable[[], bytes]] = {"hubs": hubs.encoded}
    if partners.kept is None:
        app.load_partner_checks()  # here, for a helper to share
        extras["partners"] = partners.encoded
    if snapshot is not None:
        extras["snapshot"] = lambda: _recorded(snapshot, vault)
    offload = _Offload(extras, _SHARE[len(extras)], allowed=(jobs or default_jobs()) > 1)
    try:
        result, language = app.audit(
            session, vault, suggestions=suggestions, memo=memo, offload=offload, language=language
        )
        # Every link was resolved; the hub and partnership checks resolve the few they read
        # again. Dropped now, the memory is reused by what follows instead of adding to it.
        vault.index.forget_resolutions()
        if results is not None:
            # Stored now, before the other checks add to what the process holds at its peak.
            if suggestions.changed:
                results.put(_SUGGESTIONS_KEY + code_fingerprint(), _encode_suggestions(suggestions))
            if memo is not None and memo.changed:
                _store_memo(memo, results, files)
            del memo
        merged = hubcmd.merge_findings(result.findings, hubs.findings(offload.result("hubs")))
        if merged != list(result.findings):
            result = _recount(result, merged)
        partner_list = partners.findings(offload.result("partners"))
        if partner_list:
            result = _recount(result, [*result.findings, *partner_list])
        vault.index.forget_resolutions()  # what follows (caching, output) resolves nothing
        if done is not None:
            done(result, language)
        if snapshot is not None and offload.result("snapshot") is None:
            snapshot(vault)  # no helper recorded it
    finally:
        offload.close()
    return result, language


def _recorded(snapshot: Callable[[LoadedVault], None], vault: LoadedVault) -> bytes:
    snapshot(vault)
    return b""


def _prefetch(session: app.Session, walk: Walk) -> SuggestionPrefetch:
    """Near misses for the parser workers to search while they parse (see prefetch)."""
    return SuggestionPrefetch(
        [found_file.rel for found_file in walk.files],
        session.template_folders(),
        session.config.audit.suggestion_cutoff,
    )


# Below this many files the audit's helper (see _Offload) searches near misses after the load,
# in parallel with this process, for less than the parser workers' search costs; a larger
# vault is too large for a helper (offload.MEMORY_BUDGET), and its workers search them.
PREFETCH_MINIMUM_FILES = 20_000


def _task(prefetch: SuggestionPrefetch) -> WorkerTask | None:
    if len(prefetch.paths) < PREFETCH_MINIMUM_FILES:
        return None
    return WorkerTask(prefetch.scan, prefetch.plan, prefetch.work, prefetch.collect)


def _recount(result: AuditResult, findings: Sequence[Finding]) -> AuditResult:
    """The result with these findings (sorted) and the finding counts recomputed."""
    ordered = tuple(sorted(findings, key=Finding.sort_key))
    stats = dict(result.stats)
    stats["findings"] = len(ordered)
    for severity, key in (("error", "errors"), ("warning", "warnings"), ("info", "info")):
        stats[key] = sum(1 for finding in ordered if finding.severity == severity)
    return AuditResult(ordered, stats)


def run(
    session: app.Session,
    *,
    jobs: int | None = None,
    progress: Progress | None = None,
    use_cache: bool = True,
    today: dt.date | None = None,
    snapshot: Callable[[LoadedVault], None] | None = None,
) -> tuple[AuditResult, Language, LoadedVault | None]:
    """The audit of the vault as it is now, from the result cache when nothing changed.

    The loaded vault is returned too, or None when the answer came from the result cache
    (the vault is then exactly as it was at the previous audit). `snapshot` is called with
    the loaded vault (to record the index snapshot), unless the vault was not loaded.
    """
    # The checks build hundreds of thousands of small acyclic objects (resolutions, findings);
    # the cyclic collector would re-scan them over and over (a tenth of a 50,000-note audit).
    with bulk_allocation():
        return _run(
            session,
            jobs=jobs,
            progress=progress,
            use_cache=use_cache,
            today=today,
            snapshot=snapshot,
        )


def _run(
    session: app.Session,
    *,
    jobs: int | None,
    progress: Progress | None,
    use_cache: bool,
    today: dt.date | None,
    snapshot: Callable[[LoadedVault], None] | None,
) -> tuple[AuditResult, Language, LoadedVault | None]:
    if not use_cache:
        walk = walk_vault(session.root)
        prefetch = _prefetch(session, walk)
        vault = app.load(
            session, jobs=jobs, progress=progress, use_cache=False, walk=walk, task=_task(prefetch)
        )
        audited = _audit(session, vault, today, found=prefetch.found, snapshot=snapshot, jobs=jobs)
        return (*audited, vault)
    pairs = session.state_dir / hubcmd.PAIRS_FILE  # symmetric-topic memory changes hub findings
    extra_key = ("" if today is None else today.isoformat()) + _file_digest(pairs)
    state = ensure_vault_state_dir(session.root, override=session.state_override)
    results = ResultCache(state)
    walk = walk_vault(session.root)
    prefetch = _prefetch(session, walk)
    notes = [f for f in walk.files if is_markdown(f.rel)]
    cache = NoteCache.open(state)
    try:
        if cache is not None and not any(f.placeholder for f in notes):
            stamps = [FileStamp(f.rel, f.size, f.mtime_ns, f.ctime_ns) for f in notes]
            max_bytes = session.config.audit.max_note_bytes
            by_path = {f.rel: f for f in notes}
            hashes = cache.unchanged_hashes(
                stamps, lambda path, digest: same_content(by_path[path], digest, max_bytes)
            )
            if hashes is not None:
                files = [(f.rel, f.symlinked) for f in walk.files]
                kept = results.get(_key(session, files, hashes, walk.loops, extra_key))
                decoded = None if kept is None else _decode(kept)
                if decoded is not None:
                    cache.tidy()  # nothing else to do: the housekeeping is paid here
                    return (*decoded, None)
        vault = app.load(
            session,
            jobs=jobs,
            progress=progress,
            use_cache=True,
            walk=walk,
            note_cache=cache,
            task=_task(prefetch),
        )
    finally:
        # Open first, so that the note cache's connection closing is not the last one (see
        # ResultCache).
        results.connect()
        if cache is not None:
            cache.close()

    def keep(result: AuditResult, language: Language) -> None:
        files = [(path, entry.symlinked) for path, entry in vault.index.files.items()]
        hashes = {path: note.content_hash for path, note in vault.index.notes.items()}
        results.put(_key(session, files, hashes, vault.loops, extra_key), _encode(result, language))

    result, language = _audit(
        session, vault, today, results, prefetch.found, snapshot=snapshot, done=keep, jobs=jobs
    )
    return result, language, vault
