"""Soak test of `vaultpartner watch` (not run in CI): faults and chaos against a model.

Usage::

    python benchmarks/soak.py [--minutes 10] [--notes 800] [--seed 1] [--keep] [--work DIR]

What it does:

1. Generates a vault with ``generate_vault.py``, writes a ``vaultpartner.toml`` with
   ``[watch] quiet_seconds = 0.3`` and ``edit_grace_seconds = 0``, makes it a git repository
   and runs ``vaultpartner watch --once --apply-backlog`` once (the user's first `fix` and
   `followups`), then commits.
2. Builds a model from that state: every note (generated follow-ups and the digest aside) with
   its path and text, and every link that resolves to a note (source, position among the
   source's links, target).
3. Runs the REAL watcher as a subprocess (``python -m vaultpartner --state-dir S watch VAULT``)
   while a driver makes random edits (appends in place, or atomic saves through an editor's
   temp file; an appended paragraph links another note), renames (``os.rename``, sometimes
   into another folder), deletions, sync-conflict copies (left for a while, then removed, as a
   user resolving them would), git commits and checkouts of earlier commits (the git CLI),
   and SIGKILLs the watcher at random moments, restarting it after a random pause.
4. At the end: one more watcher run until it is quiet, SIGTERM, a final
   ``watch --once``, then checks against the model:
   - no note lost (each modelled note is at its modelled path);
   - none truncated or changed (its text equals the model's, except inside link spans);
   - no link broken that the model says should resolve (each modelled link, found by its
     position in the note, opens the note the model says, by vaultpartner's resolver);
   - no duplicate generated note (at most one open follow-up per recruiter, one digest;
     an old follow-up a checkout brought back is git's doing: counted, not a discrepancy);
   - no stray temp file (``.*.vp-*.tmp`` / ``.mv``);
   - sync-conflict copies byte-identical to what the driver wrote.

Prints the counts (operations by kind, kills, rewrites, discrepancies) and exits 1 if any
discrepancy was found. Links are exempt from the check where the model cannot expect a
rewrite: the target was deleted, or renamed while a sync-conflict copy of the source note
existed (vaultpartner deliberately does not write such a note), or renamed and then edited
before any watcher handled the rename (the two names then share no content; only the live
watcher's move event pairs them, and it was killed), or changed too recently for the watcher
to know its content when it was renamed.
"""

from __future__ import annotations

import argparse
import copy
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
sys.path.insert(0, str(BENCH_DIR))
sys.path.insert(0, str(REPO_ROOT))

from generate_vault import generate  # noqa: E402

from vaultpartner import app  # noqa: E402
from vaultpartner.note import parse_note  # noqa: E402
from vaultpartner.paths import is_markdown, stem_of  # noqa: E402
from vaultpartner.writer import is_temp_file_name  # noqa: E402

CONFIG = "[watch]\nquiet_seconds = 0.3\nedit_grace_seconds = 0\n"
GITIGNORE = "*.sync-conflict-*\n.*.vp-*\n.goutputstream-*\n"
GENERATED = ("Follow-ups/",)
CONFLICT_SUFFIX = ".sync-conflict-20260101-120000-SOAKXYZ.md"
KILL_EVERY = (4.0, 20.0)  # seconds between a (re)start and the next SIGKILL
# The watcher takes a batch at the latest max_wait_seconds (10 s) after its first event when
# the vault is never quiet (the driver never pauses for long), then saves its snapshot.
CONFIRM_SECONDS = 12.0


@dataclass
class Model:
    """What the vault should be: notes by id (path, text) and the links that must resolve."""

    paths: dict[int, str] = field(default_factory=dict)
    texts: dict[int, str] = field(default_factory=dict)
    links: dict[tuple[int, int], int] = field(default_factory=dict)  # (src, ordinal) -> target
    exempt: set[tuple[int, int]] = field(default_factory=set)

    def id_of(self, path: str) -> int | None:
        for ident, where in self.paths.items():
            if where == path:
                return ident
        return None


@dataclass
class Counts:
    ops: Counter[str] = field(default_factory=Counter)
    kills: int = 0
    starts: int = 0
    commits: int = 0
    checkouts: int = 0
    skipped_commits: int = 0
    refused_checkouts: int = 0
    restored_followups: int = 0


def masked(path: str, text: str) -> str:
    """The text with every link span replaced by a marker (rewrites may change them)."""
    note = parse_note(path, text.encode("utf-8"))
    if note.unreadable is not None:
        return text
    pieces: list[str] = []
    at = 0
    for link in sorted(note.links, key=lambda item: item.start):
        pieces.append(text[at : link.start])
        pieces.append("\x00LINK\x00")
        at = link.end
    pieces.append(text[at:])
    return "".join(pieces)


def link_count(path: str, text: str) -> int:
    return len(parse_note(path, text.encode("utf-8")).links)


def decode(data: bytes) -> str:
    return data.decode("utf-8").removeprefix("\ufeff")


class Soak:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.rng = random.Random(args.seed)
        self.work = Path(args.work or tempfile.mkdtemp(prefix="vp-soak-"))
        self.vault = self.work / "vault"
        self.state = self.work / "state"
        self.checker_state = self.work / "checker-state"
        self.logs = self.work / "logs"
        self.model = Model()
        self.counts = Counts()
        self.commits: list[tuple[str, Model]] = []
        self.copies: dict[str, tuple[bytes, int, int]] = {}  # path -> (bytes, source, ops left)
        # Generated notes a checkout brought back (git's doing, not a duplicate of ours).
        self.restored_by_git: set[str] = set()
        self.watcher: subprocess.Popen[bytes] | None = None
        self.run_number = 0
        self.serial = 0
        self.discrepancies: list[str] = []
        self.changed_at: dict[int, float] = {}  # when the driver (or a rewrite) last changed it
        self.alive_since: float | None = None
        self.unconfirmed_renames = 0
        self.renamed_at: dict[int, float] = {}  # when the driver last renamed it
        self.edited_after_rename: set[int] = set()  # edited before its rename was surely seen
        self.lost_to_edits = 0
        self.dead_confirmed: dict[int, bool] = {}  # confirmed() as it was when the watcher died

    # -- setup ---------------------------------------------------------------------------
    def cli(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            [sys.executable, "-m", "vaultpartner", "--state-dir", str(self.state), *args],
            capture_output=True,
            encoding="utf-8",
            errors="replace",
            cwd=REPO_ROOT,
            timeout=600,
            check=False,
        )
        if check and done.returncode not in (0, 1):
            raise SystemExit(f"vaultpartner {' '.join(args)} failed:\n{done.stdout}{done.stderr}")
        return done

    def git(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["git", *args],
            cwd=self.vault,
            capture_output=True,
            encoding="utf-8",
            errors="replace",  # git cuts long messages, even inside a UTF-8 sequence
            timeout=120,
            check=check,
        )

    def trace(self, what: str) -> None:
        """One line in logs/driver.log: what the driver did and when (wall clock, as in the
        watcher's own log), to trace a discrepancy back to the operations behind it."""
        stamp = time.strftime("%H:%M:%S") + f".{int(time.time() * 1000) % 1000:03d}"
        with open(self.logs / "driver.log", "a", encoding="utf-8") as handle:
            handle.write(f"{stamp} {what}\n")

    def setup(self) -> None:
        if self.vault.exists():
            shutil.rmtree(self.vault)
        self.logs.mkdir(parents=True, exist_ok=True)
        generate(str(self.vault), self.args.notes, self.args.seed)
        (self.vault / "vaultpartner.toml").write_text(CONFIG, encoding="utf-8")
        (self.vault / ".gitignore").write_text(GITIGNORE, encoding="utf-8")
        self.git("init", "-q", "-b", "main")
        self.git("config", "user.name", "Soak")
        self.git("config", "user.email", "soak@example.com")
        self.git("config", "commit.gpgsign", "false")
        self.cli("watch", str(self.vault), "--once", "--apply-backlog")
        self.build_model()
        self.commit(verify=False)

    def build_model(self) -> None:
        loaded = self.load()
        index = loaded.index
        ids: dict[str, int] = {}
        for path in sorted(index.notes):
            note = index.notes[path]
            if path.startswith(GENERATED) or note.unreadable is not None:
                continue
            ident = len(ids)
            ids[path] = ident
            self.model.paths[ident] = path
            self.model.texts[ident] = decode((self.vault / path).read_bytes())
        for path, ident in ids.items():
            for ordinal, link in enumerate(index.notes[path].links):
                if not link.text.linkpath:
                    continue
                found = index.resolve(link.text.linkpath, path)
                if found.status == "resolved" and found.path in ids:
                    self.model.links[(ident, ordinal)] = ids[found.path]

    def load(self) -> app.LoadedVault:
        session = app.open_session(self.vault, state_override=self.checker_state)
        return app.load(session)

    # -- the watcher ---------------------------------------------------------------------
    def start_watcher(self) -> None:
        if self.watcher is not None and self.watcher.poll() is None:
            return  # already running
        self.run_number += 1
        out = open(self.logs / f"watch-{self.run_number:03d}.log", "wb")  # noqa: SIM115
        self.watcher = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "vaultpartner",
                "--state-dir",
                str(self.state),
                "watch",
                str(self.vault),
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=REPO_ROOT,
        )
        out.close()
        self.trace(f"start watcher (watch-{self.run_number:03d}.log)")
        self.counts.starts += 1
        self.alive_since = time.monotonic()

    def rename_seen(self, ident: int) -> bool:
        """Whether the watcher surely handled the note's last rename (ran CONFIRM_SECONDS
        without a break since it)."""
        if ident not in self.renamed_at:
            return True
        if self.alive_since is None:
            return False
        since = max(self.renamed_at[ident], self.alive_since)
        return time.monotonic() - since >= CONFIRM_SECONDS

    def exempt_links_to(self, ident: int) -> None:
        """A note renamed and then edited before any watcher handled the rename: its old and
        new names share no content, so nothing can tell it was a rename once the watcher
        that saw the move is gone."""
        self.lost_to_edits += 1
        for (src, ordinal), target in self.model.links.items():
            if target == ident:
                self.model.exempt.add((src, ordinal))

    def kill_watcher(self, how: int = signal.SIGKILL) -> None:
        if self.watcher is None:
            return
        for ident in sorted(self.edited_after_rename):
            if ident in self.model.paths and not self.rename_seen(ident):
                self.exempt_links_to(ident)
        self.edited_after_rename.clear()
        self.dead_confirmed = {ident: self.confirmed(ident) for ident in self.model.paths}
        if self.watcher.poll() is None:
            self.watcher.send_signal(how)
            if how == signal.SIGKILL:
                self.counts.kills += 1
            self.trace(f"kill watcher ({signal.Signals(how).name})")
        try:
            self.watcher.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.watcher.kill()
            self.watcher.wait(timeout=30)
        self.watcher = None
        self.alive_since = None

    def confirmed(self, ident: int) -> bool:
        """Whether the watcher (or its saved index snapshot) has surely seen the note's
        current content: it ran without a break for CONFIRM_SECONDS since the later of the
        note's last change and its own start, or an earlier watcher had seen it and it has
        not changed since (the snapshot that watcher saved, which the start-up `fix` and the
        new watcher's first load both read, has it). A note renamed before that has new
        content as far as vaultpartner knows, and a changed note is never guessed to be a
        rename."""
        if self.dead_confirmed.get(ident, False) or self.alive_since is None:
            return self.dead_confirmed.get(ident, False)
        now = time.monotonic()
        since = max(self.changed_at.get(ident, 0.0), self.alive_since)
        return now - since >= CONFIRM_SECONDS

    def touch(self, ident: int) -> None:
        self.changed_at[ident] = time.monotonic()
        self.dead_confirmed.pop(ident, None)

    def watcher_lines(self, text: str) -> int:
        total = 0
        for log in sorted(self.logs.glob("watch-*.log")):
            total += sum(
                1 for line in log.read_text("utf-8", "replace").splitlines() if text in line
            )
        return total

    def wait_quiet(self, seconds: float, limit: float = 120.0) -> None:
        """Until the newest watcher log has not grown for `seconds`."""
        newest = self.logs / f"watch-{self.run_number:03d}.log"
        deadline = time.monotonic() + limit
        size, since = -1, time.monotonic()
        while time.monotonic() < deadline:
            now_size = newest.stat().st_size if newest.exists() else 0
            if now_size != size:
                size, since = now_size, time.monotonic()
            elif time.monotonic() - since >= seconds:
                return
            time.sleep(0.1)

    # -- operations ----------------------------------------------------------------------
    def live_ids(self) -> list[int]:
        return sorted(self.model.paths)

    def pick(self) -> int:
        return self.rng.choice(self.live_ids())

    def op_edit(self) -> None:
        src = self.pick()
        target = self.pick()
        path = self.model.paths[src]
        self.serial += 1
        target_path = self.model.paths[target].removesuffix(".md")
        appendix = f"\n\nSoak edit {self.serial}: see [[{target_path}]].\n"
        ordinal = link_count(path, self.model.texts[src])
        disk = self.vault / path
        if self.rng.random() < 0.7:
            with open(disk, "a", encoding="utf-8") as handle:
                handle.write(appendix)
            self.counts.ops["edit (append in place)"] += 1
        else:  # an editor's atomic save
            temp = disk.with_name(f".goutputstream-{self.serial:06d}")
            temp.write_bytes(disk.read_bytes() + appendix.encode("utf-8"))
            os.replace(temp, disk)
            self.counts.ops["edit (atomic save)"] += 1
        self.model.texts[src] += appendix
        self.model.links[(src, ordinal)] = target
        if not self.rename_seen(src):
            if self.watcher is None:
                self.exempt_links_to(src)
            else:  # the live watcher pairs the names by the move event, unless it is killed
                self.edited_after_rename.add(src)
        self.trace(f"edit {path}: link to {target_path}")
        self.touch(src)
        if self.has_copy(src):
            self.model.exempt.add((src, ordinal))

    def op_rename(self) -> None:
        ident = self.pick()
        old = self.model.paths[ident]
        self.serial += 1
        folder = old.rpartition("/")[0]
        if self.rng.random() < 0.3:
            folders = sorted({p.rpartition("/")[0] for p in self.model.paths.values()})
            folder = self.rng.choice(folders)
        stem = re.sub(r" r\d+$", "", stem_of(old))
        new = f"{folder}/{stem} r{self.serial}.md" if folder else f"{stem} r{self.serial}.md"
        followable = self.confirmed(ident)
        os.rename(self.vault / old, self.vault / new)
        self.renamed_at[ident] = time.monotonic()
        self.trace(f"rename {old} -> {new}{'' if followable else ' (unconfirmed)'}")
        self.model.paths[ident] = new
        for (src, ordinal), target in self.model.links.items():
            if src == ident and not followable:
                self.model.exempt.add((src, ordinal))  # its own links: a new note's now
            if target != ident:
                continue
            if not followable or self.has_copy(src):
                self.model.exempt.add((src, ordinal))
            self.touch(src)  # the watcher rewrites it: new content
        if not followable:
            self.unconfirmed_renames += 1
        self.counts.ops["rename"] += 1

    def op_delete(self) -> None:
        if len(self.model.paths) < self.args.notes // 2:
            return self.op_edit()
        ident = self.pick()
        (self.vault / self.model.paths[ident]).unlink()
        self.trace(f"delete {self.model.paths[ident]}")
        del self.model.paths[ident]
        del self.model.texts[ident]
        self.counts.ops["delete"] += 1
        return None

    def has_copy(self, ident: int) -> bool:
        return any(source == ident for _, source, _ in self.copies.values())

    def op_conflict_copy(self) -> None:
        ident = self.pick()
        path = self.model.paths[ident]
        copy_path = path.removesuffix(".md") + CONFLICT_SUFFIX
        if copy_path in self.copies:
            return
        data = (self.vault / path).read_bytes() + b"\nA line from the other device.\n"
        (self.vault / copy_path).write_bytes(data)
        self.copies[copy_path] = (data, ident, self.rng.randint(3, 15))
        self.counts.ops["sync-conflict copy"] += 1

    def age_copies(self) -> None:
        for copy_path, (data, source, left) in list(self.copies.items()):
            if left > 1:
                self.copies[copy_path] = (data, source, left - 1)
                continue
            disk = self.vault / copy_path
            if not disk.exists():
                self.discrepancies.append(f"conflict copy {copy_path} was deleted by someone")
            elif disk.read_bytes() != data:
                self.discrepancies.append(f"conflict copy {copy_path} was changed")
            disk.unlink(missing_ok=True)  # the user resolved the conflict
            del self.copies[copy_path]

    def op_git(self) -> None:
        if self.commits and self.rng.random() < 0.6:
            self.checkout()
        else:
            self.commit(verify=True)

    def commit(self, *, verify: bool) -> bool:
        """Commit the vault; only states whose links all resolve become checkout targets."""
        if verify and self.check_links(self.load(), record=False, wait=10.0):
            self.counts.skipped_commits += 1
            return False
        self.git("add", "-A")
        self.git("commit", "-q", "--allow-empty", "-m", f"soak {len(self.commits)}")
        sha = self.git("rev-parse", "HEAD").stdout.strip()
        self.commits.append((sha, copy.deepcopy(self.model)))
        self.trace(f"commit {sha[:10]}")
        self.counts.commits += 1
        self.counts.ops["git commit"] += 1
        return True

    def checkout(self) -> None:
        if not self.commit(verify=True):
            return
        sha, model = self.rng.choice(self.commits[:-1] or self.commits)
        present = {
            path.relative_to(self.vault).as_posix()
            for folder in GENERATED
            for path in (self.vault / folder).rglob("*")
        }
        done = self.git("checkout", "-q", "--detach", sha, check=False)
        if done.returncode != 0:
            # The watcher wrote a note between the commit and the checkout: git refuses and
            # changes nothing, as it would for a user.
            self.counts.refused_checkouts += 1
            return
        self.model = copy.deepcopy(model)
        self.trace(f"checkout {sha[:10]}")
        listed = self.git("ls-tree", "-r", "-z", "--name-only", sha, "--", *GENERATED)
        self.restored_by_git.update(
            name for name in listed.stdout.split("\0") if name and name not in present
        )
        for ident in self.model.paths:
            self.touch(ident)
        self.counts.checkouts += 1
        self.counts.ops["git checkout"] += 1

    # -- checks --------------------------------------------------------------------------
    def check_links(self, loaded: app.LoadedVault, *, record: bool, wait: float = 0.0) -> int:
        """Broken modelled links; with wait, retried while the watcher catches up."""
        deadline = time.monotonic() + wait
        while True:
            problems = self._broken_links(loaded)
            if not problems or time.monotonic() >= deadline:
                break
            if self.watcher is None or self.watcher.poll() is not None:
                self.start_watcher()
            time.sleep(0.5)
            loaded = self.load()
        if record:
            self.discrepancies.extend(problems)
        return len(problems)

    def _broken_links(self, loaded: app.LoadedVault) -> list[str]:
        index = loaded.index
        problems: list[str] = []
        for (src, ordinal), target in sorted(self.model.links.items()):
            if (src, ordinal) in self.model.exempt:
                continue
            if src not in self.model.paths or target not in self.model.paths:
                continue
            path = self.model.paths[src]
            note = index.notes.get(path)
            if note is None:
                continue  # reported as lost elsewhere
            if ordinal >= len(note.links):
                problems.append(f"{path}: link #{ordinal} is missing")
                continue
            link = note.links[ordinal]
            found = index.resolve(link.text.linkpath, path)
            if found.path != self.model.paths[target]:
                problems.append(
                    f"{path}: {link.raw} opens {found.path or 'nothing'}, "
                    f"not {self.model.paths[target]}"
                )
        return problems

    def final_check(self) -> None:
        loaded = self.load()
        index = loaded.index
        for ident, path in sorted(self.model.paths.items()):
            disk = self.vault / path
            if not disk.is_file():
                self.discrepancies.append(f"lost: {path}")
                continue
            actual = decode(disk.read_bytes())
            if masked(path, actual) != masked(path, self.model.texts[ident]):
                self.discrepancies.append(
                    f"changed outside links: {path} ({len(actual)} chars, "
                    f"model {len(self.model.texts[ident])})"
                )
        self.check_links(loaded, record=True)
        open_followups: Counter[str] = Counter()
        restored: Counter[str] = Counter()
        digests = 0
        for path, note in index.notes.items():
            meta = note.frontmatter or {}
            if meta.get("generated_by") != "vaultpartner":
                continue
            if meta.get("vaultpartner") == "followup" and meta.get("status") == "open":
                # One a checkout brought back is git's doing: vaultpartner names several open
                # ones in a notice and closes or deletes none.
                counter = restored if path in self.restored_by_git else open_followups
                counter[str(meta.get("recruiter"))] += 1
            elif meta.get("vaultpartner") == "digest":
                digests += 1
        for recruiter, count in open_followups.items():
            if count > 1:
                self.discrepancies.append(f"{count} open follow-ups for {recruiter}")
        self.counts.restored_followups = sum(
            count for recruiter, count in restored.items() if count + open_followups[recruiter] > 1
        )
        if digests > 1:
            self.discrepancies.append(f"{digests} digest notes")
        for folder, dirs, files in os.walk(self.vault):
            dirs[:] = [d for d in dirs if d != ".git"]
            for name in [*files, *dirs]:
                if is_temp_file_name(name):
                    self.discrepancies.append(f"stray temp file: {Path(folder, name)}")
        for copy_path, (data, _, _) in self.copies.items():
            disk = self.vault / copy_path
            if not disk.exists() or disk.read_bytes() != data:
                self.discrepancies.append(f"conflict copy {copy_path} changed or deleted")
        generated_files = [p for p in index.files if p.startswith(GENERATED) and is_markdown(p)]
        self.counts.ops["(generated notes at the end)"] = len(generated_files)

    # -- main loop -----------------------------------------------------------------------
    def run(self) -> int:
        started = time.monotonic()
        print(f"soak: generating {self.args.notes} notes in {self.work}", flush=True)
        self.setup()
        print(
            f"soak: {len(self.model.paths)} notes, {len(self.model.links)} modelled links; "
            f"running for {self.args.minutes:g} min",
            flush=True,
        )
        deadline = time.monotonic() + self.args.minutes * 60
        self.start_watcher()
        next_kill = time.monotonic() + self.rng.uniform(*KILL_EVERY)
        restart_at: float | None = None
        ops = [
            (self.op_edit, 40),
            (self.op_rename, 30),
            (self.op_delete, 4),
            (self.op_conflict_copy, 5),
            (self.op_git, 3),
        ]
        functions = [op for op, _ in ops]
        weights = [weight for _, weight in ops]
        while time.monotonic() < deadline:
            now = time.monotonic()
            if restart_at is not None and now >= restart_at:
                self.start_watcher()
                restart_at = None
                next_kill = now + self.rng.uniform(*KILL_EVERY)
            elif restart_at is None and now >= next_kill:
                self.kill_watcher()
                restart_at = now + self.rng.uniform(0, 2)
            self.rng.choices(functions, weights)[0]()
            self.age_copies()
            time.sleep(self.rng.uniform(0.02, 0.3))
        if self.watcher is None:
            self.start_watcher()
        for copy_path, (data, source, _) in list(self.copies.items()):
            self.copies[copy_path] = (data, source, 1)
        self.age_copies()  # the user resolves every conflict before the final check
        self.wait_quiet(3.0)
        self.kill_watcher(signal.SIGTERM)
        self.run_number += 1
        done = self.cli("watch", str(self.vault), "--once")
        (self.logs / f"watch-{self.run_number:03d}.log").write_text(done.stdout + done.stderr)
        time.sleep(1.0)  # a quiet period
        self.final_check()
        self.report(time.monotonic() - started)
        return 1 if self.discrepancies else 0

    def report(self, elapsed: float) -> None:
        journal = self.cli("log", str(self.vault), check=False).stdout
        journal_writes = sum(1 for line in journal.splitlines() if line.startswith("    write"))
        total = sum(v for k, v in self.counts.ops.items() if not k.startswith("("))
        print(f"\nsoak finished in {elapsed / 60:.1f} min ({self.work})")
        print(f"operations: {total}")
        for kind, count in sorted(self.counts.ops.items()):
            print(f"  {kind}: {count}")
        print(
            f"commits: {self.counts.commits} (skipped while links were pending: "
            f"{self.counts.skipped_commits}), checkouts: {self.counts.checkouts} "
            f"(refused by git for local changes: {self.counts.refused_checkouts})"
        )
        print(f"watcher starts: {self.counts.starts}, kills (SIGKILL): {self.counts.kills}")
        print(
            "open follow-ups brought back by a checkout beside the current one (named in a "
            f"notice, not a duplicate of ours): {self.counts.restored_followups}"
        )
        print(f"rewrites (watcher output): {self.watcher_lines('rewrote ')}")
        print(f"rewrites (vaultpartner log, last 50 runs kept): {journal_writes}")
        print(f"renames noticed live: {self.watcher_lines('noticed a rename')}")
        print(
            f"renames of notes changed too recently to be recognised (links exempt): "
            f"{self.unconfirmed_renames}"
        )
        print(
            "renamed notes edited before a watcher handled the rename, then the watcher "
            f"killed (links exempt): {self.lost_to_edits}"
        )
        print(
            f"links checked: {len(self.model.links) - len(self.model.exempt)} "
            f"(exempt: {len(self.model.exempt)})"
        )
        print(f"errors said by the watcher: {self.watcher_lines('error while')}")
        print(f"discrepancies: {len(self.discrepancies)}")
        for line in self.discrepancies[:50]:
            print(f"  {line}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--notes", type=int, default=800)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--work", help="working folder (default: a new temporary one)")
    parser.add_argument("--keep", action="store_true", help="keep the working folder")
    args = parser.parse_args(argv)
    soak = Soak(args)
    try:
        return soak.run()
    finally:
        soak.kill_watcher()
        if not args.keep and args.work is None and soak.discrepancies == []:
            shutil.rmtree(soak.work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
