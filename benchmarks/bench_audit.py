"""Benchmark a cold ``vaultpartner audit`` against the I/O floor of the same vault.

Usage::

    python benchmarks/bench_audit.py [--notes 10000] [--seed 1] [--vault DIR] [--keep] [--runs N]

Steps:

1. Generate a synthetic vault with ``generate_vault.py`` into a temporary folder (or reuse
   ``--vault DIR`` if it already holds files; an empty/absent DIR is generated into and kept).
2. Warm the OS page cache by reading every file once, so all timings below measure CPU work,
   not the disk.
3. Measure, in this process:
   (a) the floor: read the bytes of every ``.md`` file and count ``[[`` with a regex;
   (b) the plain stat walk: ``os.walk`` plus ``os.stat`` of every file.
   Each is the best of three runs.
4. Run the cold audit as a subprocess,
   ``python -m vaultpartner audit VAULT --format json --no-cache --output /dev/null
   --state-dir TMP``, with a fresh temporary state folder per run (and ``XDG_STATE_HOME`` /
   ``XDG_CACHE_HOME`` pointed at temporary folders too, so nothing persists). Exit codes 0
   (no findings) and 1 (findings) both count as success, unless stderr holds a Python
   traceback (an uncaught exception also exits with 1). If the CLI rejects ``--no-cache`` or
   ``--state-dir`` ("No such option"), the run is retried without that option (``--state-dir``
   is first retried as a group option before ``audit``).

Peak memory: while the audit runs, this script polls ``/proc/<pid>/status`` (``VmRSS``) of the
audit process and of all its descendants every 20 ms (descendants are found through
``/proc/<pid>/task/<tid>/children``, or by scanning ``/proc/*/stat`` when that file is not
available) and reports the maximum of the **sum** over the process tree — what matters when the
audit uses worker processes. Short spikes between two samples can be missed. As a cross-check
the script also prints ``resource.getrusage(RUSAGE_CHILDREN).ru_maxrss``, which is exact but is
the peak of the single largest process (not a sum) over all children this script has waited for.

Targets (for a 10,000-note vault): cold audit <= 3 s wall, peak RSS <= 300 MB.
"""

from __future__ import annotations

import argparse
import compileall
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
sys.path.insert(0, str(BENCH_DIR))

from generate_vault import generate  # noqa: E402

TARGET_WALL_S = 3.0
TARGET_RSS_MB = 300.0
TARGET_NOTES = 10_000
POLL_S = 0.02
WIKILINK_OPEN = re.compile(rb"\[\[")


# --------------------------------------------------------------------------- in-process floors


def iter_files(root: str) -> list[str]:
    """Every file of the vault, hidden folders (.obsidian, .trash, .git) excluded."""
    out: list[str] = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if not d.startswith(".")]
        out.extend(os.path.join(dirpath, f) for f in filenames if not f.startswith("."))
    return out


def warm_cache(root: str) -> tuple[int, int, int]:
    """Read every file once. Returns (files, markdown files, bytes)."""
    files = md = total = 0
    for dirpath, _dirnames, filenames in os.walk(root):
        for name in filenames:
            with open(os.path.join(dirpath, name), "rb") as fh:
                total += len(fh.read())
            files += 1
            md += name.endswith(".md")
    return files, md, total


def floor_read(root: str) -> tuple[float, int]:
    """(a) Read every .md file and count '[['. Returns (seconds, count)."""
    t0 = time.perf_counter()
    count = 0
    for path in iter_files(root):
        if path.endswith(".md"):
            with open(path, "rb") as fh:
                count += len(WIKILINK_OPEN.findall(fh.read()))
    return time.perf_counter() - t0, count


def stat_walk(root: str) -> tuple[float, int]:
    """(b) os.walk + os.stat of every file. Returns (seconds, files)."""
    t0 = time.perf_counter()
    n = 0
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if not d.startswith(".")]
        for name in filenames:
            os.stat(os.path.join(dirpath, name))
            n += 1
    return time.perf_counter() - t0, n


def best_of(fn: Callable[[str], tuple[float, int]], root: str, runs: int = 3) -> tuple[float, int]:
    results = [fn(root) for _ in range(runs)]
    return min(results, key=lambda r: r[0])


# --------------------------------------------------------------------------- process-tree RSS


def _children(pid: int) -> list[int]:
    kids: list[int] = []
    try:
        tids = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return kids
    for tid in tids:
        try:
            with open(f"/proc/{pid}/task/{tid}/children") as fh:
                kids.extend(int(x) for x in fh.read().split())
        except OSError:
            continue
    return kids


def _ppid_map() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as fh:
                stat = fh.read()
        except OSError:
            continue
        fields = stat[stat.rfind(")") + 2 :].split()
        tree.setdefault(int(fields[1]), []).append(int(entry))
    return tree


def _has_children_file() -> bool:
    return os.path.exists(f"/proc/{os.getpid()}/task/{os.getpid()}/children")


def process_tree(root_pid: int, use_children_file: bool) -> list[int]:
    pids = [root_pid]
    tree = None if use_children_file else _ppid_map()
    i = 0
    while i < len(pids):
        pid = pids[i]
        kids = _children(pid) if tree is None else tree.get(pid, [])
        pids.extend(k for k in kids if k not in pids)
        i += 1
    return pids


def rss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return 0


# --------------------------------------------------------------------------- the audit run


@dataclass
class AuditRun:
    argv: list[str]
    returncode: int = -1
    wall_s: float = 0.0
    peak_tree_kb: int = 0
    samples: int = 0
    max_procs: int = 0
    stdout: str = ""
    stderr: str = ""
    notes: list[str] = field(default_factory=list)

    @property
    def crashed(self) -> bool:
        # An uncaught Python exception also exits with 1; tell it apart from "findings".
        return "Traceback (most recent call last)" in self.stderr

    @property
    def ok(self) -> bool:
        return self.returncode in (0, 1) and not self.crashed


def installed_env() -> dict[str, str]:
    """The environment for measured commands: vaultpartner's bytecode compiled once and
    reused, as for a pip-installed package. (This workplace sets PYTHONDONTWRITEBYTECODE,
    which would add compiling every vaultpartner module to each measured command.)"""
    compileall.compile_dir(str(REPO_ROOT / "vaultpartner"), quiet=1)
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def run_audit_once(argv: list[str], env: dict[str, str]) -> AuditRun:
    run = AuditRun(argv=argv)
    use_children_file = _has_children_file()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(argv, stdout=out, stderr=err, cwd=REPO_ROOT, env=env)
        done = threading.Event()

        def sample() -> None:
            while not done.is_set():
                pids = process_tree(proc.pid, use_children_file)
                total = sum(rss_kb(p) for p in pids)
                run.peak_tree_kb = max(run.peak_tree_kb, total)
                run.max_procs = max(run.max_procs, len(pids))
                run.samples += 1
                done.wait(POLL_S)

        # Memory is sampled beside the wait: the wall time is the exit's, not the next poll's.
        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        run.returncode = proc.wait()
        run.wall_s = time.perf_counter() - t0
        done.set()
        sampler.join()
        out.seek(0)
        err.seek(0)
        run.stdout = out.read().decode("utf-8", "replace")
        run.stderr = err.read().decode("utf-8", "replace")
    return run


def _no_such_option(run: AuditRun, option: str) -> bool:
    text = (run.stderr + run.stdout).lower()
    return run.returncode == 2 and "no such option" in text and option in text


def audit_argv(vault: str, state_dir: str, *, no_cache: bool, state_mode: str) -> list[str]:
    """state_mode: 'command' (after audit), 'group' (before audit) or 'none'."""
    argv = [sys.executable, "-m", "vaultpartner"]
    if state_mode == "group":
        argv += ["--state-dir", state_dir]
    argv += ["audit", vault, "--format", "json"]
    if no_cache:
        argv.append("--no-cache")
    argv += ["--output", os.devnull]
    if state_mode == "command":
        argv += ["--state-dir", state_dir]
    return argv


def run_audit(vault: str) -> AuditRun:
    """One cold audit with a fresh state folder, adapting to the options the CLI accepts."""
    tmp = tempfile.mkdtemp(prefix="vp-bench-state-")
    try:
        env = installed_env()
        env["XDG_STATE_HOME"] = os.path.join(tmp, "xdg-state")
        env["XDG_CACHE_HOME"] = os.path.join(tmp, "xdg-cache")
        env["PYTHONPATH"] = os.pathsep.join(
            p for p in (str(REPO_ROOT), env.get("PYTHONPATH", "")) if p
        )
        state_dir = os.path.join(tmp, "state")
        no_cache, state_mode = True, "command"
        notes: list[str] = []
        for _attempt in range(5):
            argv = audit_argv(vault, state_dir, no_cache=no_cache, state_mode=state_mode)
            run = run_audit_once(argv, env)
            if no_cache and _no_such_option(run, "--no-cache"):
                no_cache = False
                notes.append("CLI does not accept --no-cache; retried without it")
                continue
            if state_mode != "none" and _no_such_option(run, "--state-dir"):
                state_mode = "group" if state_mode == "command" else "none"
                where = "before audit" if state_mode == "group" else "without it (XDG only)"
                notes.append(f"CLI rejected --state-dir; retried {where}")
                continue
            break
        run.notes = notes
        return run
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


# --------------------------------------------------------------------------- reporting


def fmt_s(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms" if seconds < 1 else f"{seconds:.2f} s"


def verdict(value: float, target: float, applicable: bool) -> str:
    if not applicable:
        return "n/a"
    return "OK" if value <= target else "OVER"


def print_table(rows: list[tuple[str, str, str, str]]) -> None:
    headers = ("measurement", "value", "target (10k notes)", "")
    widths = [max(len(r[i]) for r in [headers, *rows]) for i in range(4)]
    line = "  ".join("-" * w for w in widths)
    print("  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip())
    print(line)
    for r in rows:
        print("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip())


def tail(text: str, lines: int = 40) -> str:
    return "\n".join(text.rstrip().splitlines()[-lines:])


def prepare_vault(args: argparse.Namespace) -> tuple[str, bool]:
    """Returns (vault path, remove afterwards)."""
    if args.vault:
        vault = os.path.abspath(args.vault)
        if os.path.isdir(vault) and os.listdir(vault):
            print(f"reusing vault {vault}")
            return vault, False
        print(f"generating {args.notes} notes (seed {args.seed}) into {vault} ...")
        t0 = time.perf_counter()
        generate(vault, args.notes, args.seed)
        print(f"  generated in {time.perf_counter() - t0:.1f} s")
        return vault, False
    vault = tempfile.mkdtemp(prefix=f"vp-bench-vault-{args.notes}-")
    print(f"generating {args.notes} notes (seed {args.seed}) into {vault} ...")
    t0 = time.perf_counter()
    generate(vault, args.notes, args.seed)
    print(f"  generated in {time.perf_counter() - t0:.1f} s")
    return vault, not args.keep


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Benchmark a cold vaultpartner audit.")
    ap.add_argument("--notes", type=int, default=TARGET_NOTES, help="notes to generate")
    ap.add_argument("--seed", type=int, default=1, help="generator seed")
    ap.add_argument("--vault", help="reuse this vault (generated into it if empty or absent)")
    ap.add_argument("--keep", action="store_true", help="keep the generated temporary vault")
    ap.add_argument("--runs", type=int, default=1, help="audit runs (best wall, max RSS)")
    args = ap.parse_args(argv)

    vault, remove = prepare_vault(args)
    try:
        return measure(vault, args.runs)
    finally:
        if remove:
            shutil.rmtree(vault, ignore_errors=True)
        else:
            print(f"vault kept at {vault}")


def measure(vault: str, runs: int) -> int:
    files, md, total = warm_cache(vault)
    print(f"vault: {vault}: {md} notes, {files} files, {total / 1e6:.1f} MB (page cache warmed)")
    applicable = abs(md - TARGET_NOTES) <= TARGET_NOTES * 0.05

    floor_s, n_open = best_of(floor_read, vault)
    walk_s, n_stat = best_of(stat_walk, vault)

    audits = [run_audit(vault) for _ in range(max(1, runs))]
    ok_runs = [a for a in audits if a.ok]
    ru_maxrss_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss

    rows: list[tuple[str, str, str, str]] = [
        (f"(a) floor: read {md} .md + count '[[' ({n_open})", fmt_s(floor_s), "-", ""),
        (f"(b) stat walk: os.walk + stat ({n_stat} files)", fmt_s(walk_s), "-", ""),
    ]
    for note in audits[0].notes:
        print(f"note: {note}")
    print(f"audit command: {' '.join(audits[0].argv)}")
    if ok_runs:
        wall = min(a.wall_s for a in ok_runs)
        peak_mb = max(a.peak_tree_kb for a in ok_runs) / 1024
        procs = max(a.max_procs for a in ok_runs)
        samples = sum(a.samples for a in ok_runs)
        rows += [
            (
                f"(c) cold audit wall (best of {len(ok_runs)}, exit {ok_runs[0].returncode})",
                fmt_s(wall),
                f"<= {TARGET_WALL_S:.0f} s",
                verdict(wall, TARGET_WALL_S, applicable),
            ),
            (
                f"(c) peak RSS, sum over {procs} process(es), {samples} samples",
                f"{peak_mb:.0f} MB",
                f"<= {TARGET_RSS_MB:.0f} MB",
                verdict(peak_mb, TARGET_RSS_MB, applicable),
            ),
            (
                "    ru_maxrss (largest single child, exact)",
                f"{ru_maxrss_kb / 1024:.0f} MB",
                "",
                "",
            ),
            ("ratio audit / floor", f"{wall / floor_s:.1f}x", "", ""),
            ("ratio audit / stat walk", f"{wall / walk_s:.1f}x", "", ""),
        ]
    else:
        rows.append(("(c) cold audit", "FAILED", f"<= {TARGET_WALL_S:.0f} s", ""))
    print()
    print_table(rows)
    if not applicable:
        print(f"(targets are defined for {TARGET_NOTES} notes; this vault has {md})")
    failed = [a for a in audits if not a.ok]
    if failed:
        bad = failed[0]
        how = "crashed" if bad.crashed else "failed"
        print(f"\naudit {how} with exit code {bad.returncode}: {' '.join(bad.argv)}")
        if bad.stderr.strip():
            print("--- stderr (tail) ---")
            print(tail(bad.stderr))
        if bad.stdout.strip():
            print("--- stdout (tail) ---")
            print(tail(bad.stdout))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
