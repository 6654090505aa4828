"""Issue 6 figures: cold, warm and one-note-changed audits, with ratios, for several sizes.

Usage::

    python benchmarks/bench_cache.py [--sizes 1000,10000,50000]

For each size it generates a vault (benchmarks/generate_vault.py, seed 1; reused from
/tmp/vp-bench-<size> when present), warms the OS page cache, and runs the whole
`python -m vaultpartner audit VAULT --format json --output /dev/null` command, in
`--repeat` rounds (default 3; the median time is printed with the range, and the largest
peak):

- cold: a fresh state folder, so no vaultpartner cache (OS page cache warm);
- cold, --no-cache: the same without reading or writing any cache;
- warm: again, nothing changed since the previous run;
- one changed: one ordinary note appended to, then the audit;
- one recruiter changed: the same with a recruiter note (partnership checks then run again).

Printed beside each: the targets of issue 6 and the ratios to the I/O floor (reading every note
plus a regex count of `[[`) and to a plain stat walk. Peak RSS is summed over the process tree.
Commands run with vaultpartner's bytecode compiled once, as a pip-installed package has it.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

from bench_audit import (  # noqa: E402
    best_of,
    floor_read,
    installed_env,
    run_audit_once,
    stat_walk,
    warm_cache,
)
from generate_vault import generate  # noqa: E402

TARGETS = {
    (10_000, "warm"): 0.5,
    (10_000, "cold"): 2.0,
    (10_000, "one changed"): 0.6,
    (50_000, "cold"): 15.0,
}
RSS_TARGET_MB = {10_000: 300.0, 50_000: 500.0}


def audit(vault: Path, state: Path, *extra: str) -> tuple[float, float]:
    argv = [sys.executable, "-m", "vaultpartner", "--state-dir", str(state), "audit", str(vault)]
    argv += ["--format", "json", "--output", os.devnull, *extra]
    run = run_audit_once(argv, installed_env())
    if not run.ok:
        sys.stderr.write(run.stderr[-4000:])
        raise SystemExit(f"audit failed with exit code {run.returncode}")
    return run.wall_s, run.peak_tree_kb / 1024


def one_changed(vault: Path, state: Path, *, recruiter: bool) -> tuple[float, float]:
    """The audit after one line is appended to one note (put back afterwards)."""
    for note in sorted(vault.rglob("*.md")):
        if (b"\ntype: recruiter\n" in note.read_bytes()) == recruiter:
            break
    original = note.read_bytes()
    try:
        note.write_bytes(original + b"\nOne more line with [[a link]].\n")
        return audit(vault, state)
    finally:
        note.write_bytes(original)


def vault_for(size: int) -> Path:
    path = Path(tempfile.gettempdir()) / f"vp-bench-{size}"
    if not (path / ".done").exists():
        print(f"generating {size} notes into {path} ...", flush=True)
        shutil.rmtree(path, ignore_errors=True)
        generate(str(path), size, 1)
        (path / ".done").write_text("ok\n")
    return path


def one_round(vault: Path) -> dict[str, tuple[float, float]]:
    """Each measurement once, from a fresh state folder: (seconds, peak MB) by label."""
    with tempfile.TemporaryDirectory() as tmp:
        state = Path(tmp) / "state"
        found = {
            "cold, --no-cache": audit(vault, Path(tmp) / "nocache", "--no-cache"),
            "cold": audit(vault, state),
            "warm": audit(vault, state),
        }
        found["one changed"] = one_changed(vault, state, recruiter=False)
        audit(vault, state)  # the note put back: warm again before the next change
        found["one recruiter changed"] = one_changed(vault, state, recruiter=True)
        return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000")
    parser.add_argument(
        "--repeat",
        type=int,
        default=3,
        help="rounds per size; the median time (and the largest peak) is printed",
    )
    args = parser.parse_args(argv)
    rows: list[tuple[str, str, str, str, str]] = []
    for size in (int(part) for part in args.sizes.split(",")):
        vault = vault_for(size)
        warm_cache(str(vault))
        floor, _ = best_of(floor_read, str(vault))
        walk, _ = best_of(stat_walk, str(vault))
        rounds = [one_round(vault) for _ in range(max(1, args.repeat))]
        for label in rounds[0]:
            times = sorted(found[label][0] for found in rounds)
            seconds = times[len(times) // 2]
            rss = max(found[label][1] for found in rounds)
            spread = f" [{times[0]:.2f}-{times[-1]:.2f}]" if len(times) > 1 else ""
            target = TARGETS.get((size, label))
            rss_target = RSS_TARGET_MB.get(size) if label.startswith("cold") else None
            rows.append(
                (
                    f"{size:,} notes, {label}",
                    f"{seconds:6.2f} s{spread}" + (f" (<= {target:g} s)" if target else ""),
                    f"{rss:5.0f} MB" + (f" (<= {rss_target:g})" if rss_target else ""),
                    f"{seconds / floor:6.1f}x floor ({floor * 1000:.0f} ms)",
                    f"{seconds / walk:6.1f}x stat walk ({walk * 1000:.0f} ms)",
                )
            )
    widths = [max(len(row[i]) for row in rows) for i in range(5)]
    for row in rows:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
