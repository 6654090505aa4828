"""Benchmark `vaultpartner mv` on a 10,000-note vault with a note that has 1,000 backlinks.

Usage::

    python benchmarks/bench_mv.py [--notes 10000] [--backlinks 1000] [--seed 1] [--vault DIR]

Steps:

1. Generate a synthetic vault with ``generate_vault.py`` into a temporary folder (or use
   ``--vault DIR``, which is generated into when empty), add ``Бенчмарк/Цель.md`` and append a
   link to it (``[[Цель]]``, ``[[Цель#Этапы|этапы]]`` or ``[цель](Бенчмарк/Цель.md)``) to
   ``--backlinks`` existing notes.
2. In this process: (a) load the index (``vaultfs.load_vault``, no note cache); (b) plan the
   rename ``Цель`` -> ``Итог`` (``moving.plan_move``) and carry it out (``apply.Applier``:
   lock, journal, safe writer with fsyncs), timed separately and together.
3. (c) the whole command as a subprocess, ``python -m vaultpartner mv`` renaming ``Итог`` back
   to ``Цель`` (the same 1,000 rewrites), first with a fresh state folder, then again (the
   other way) once the state folder exists, so any index cache is warm.
4. The cold ``vaultpartner audit`` of the same vault, for scale.

Targets (issue 3): (b) <= 1 s beyond loading; the whole command <= 1.5 s once an index cache
exists (the cache itself is issue 6).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT))

from bench_audit import installed_env  # noqa: E402
from generate_vault import generate  # noqa: E402

from vaultpartner.apply import Applier  # noqa: E402
from vaultpartner.moving import plan_move  # noqa: E402
from vaultpartner.vaultfs import load_vault  # noqa: E402

TARGET = "Бенчмарк/Цель.md"
RENAMED = "Бенчмарк/Итог.md"
FORMS = ("[[Цель]]", "[[Цель#Этапы|этапы]]", "[цель](Бенчмарк/Цель.md)")


def add_backlinks(root: Path, count: int) -> int:
    """Create the target note and link it from `count` existing notes; returns the count."""
    (root / "Бенчмарк").mkdir(exist_ok=True)
    (root / TARGET).write_text("# Цель\n\n## Этапы\n\nТекст.\n", encoding="utf-8")
    notes = sorted(p for p in root.rglob("*.md") if ".obsidian" not in p.parts)
    notes = [p for p in notes if p.relative_to(root).as_posix() != TARGET]
    step = max(1, len(notes) // count)
    chosen = notes[::step][:count]
    for number, path in enumerate(chosen):
        with open(path, "a", encoding="utf-8") as fh:
            fh.write(f"\nСм. также {FORMS[number % len(FORMS)]}.\n")
    return len(chosen)


def run_cli(*args: str, env: dict[str, str]) -> tuple[float, subprocess.CompletedProcess[str]]:
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "vaultpartner", *args],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    elapsed = time.perf_counter() - started
    if "Traceback" in done.stderr:
        raise SystemExit(done.stderr)
    return elapsed, done


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--notes", type=int, default=10000)
    ap.add_argument("--backlinks", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--vault", type=Path, help="generate into this folder and keep it")
    args = ap.parse_args(argv)

    work = Path(tempfile.mkdtemp(prefix="bench-mv-"))
    vault = args.vault or work / "vault"
    env = {
        **installed_env(),
        "XDG_STATE_HOME": str(work / "xdg-state"),
        "XDG_CACHE_HOME": str(work / "xdg-cache"),
        "PYTHONPATH": str(ROOT),
    }
    try:
        if not vault.exists() or not any(vault.iterdir()):
            generate(str(vault), args.notes, args.seed)
            linked = add_backlinks(vault, args.backlinks)
        else:
            linked = args.backlinks
        print(f"vault: {vault} ({args.notes} notes, {linked} backlinks to {TARGET})")

        # (a) loading the index
        started = time.perf_counter()
        index = load_vault(vault, max_bytes=16 * 1024 * 1024).index
        load_s = time.perf_counter() - started

        # (b) planning and writing
        state = work / "state-inproc"
        started = time.perf_counter()
        plan, changes, skipped = plan_move(
            index, TARGET, RENAMED, link_format="shortest", writable=lambda path: True
        )
        plan_s = time.perf_counter() - started
        started = time.perf_counter()
        with Applier(vault, state, command="bench mv") as applier:
            report = applier.apply(plan)
        write_s = time.perf_counter() - started
        assert not report.failed, report.failed[:3]
        assert not skipped, skipped[:3]
        print(f"rewrote {len(changes)} links in {len(plan.edits)} notes")

        # (c) the whole command, with a fresh state folder, then once the state exists
        state_dir = str(work / "state-cli")
        cold_s, done = run_cli("--state-dir", state_dir, "mv", str(vault), RENAMED, TARGET, env=env)
        assert done.returncode == 0, done.stderr
        warm_s, done = run_cli("--state-dir", state_dir, "mv", str(vault), TARGET, RENAMED, env=env)
        assert done.returncode == 0, done.stderr

        # the cold audit of the same vault, for scale
        audit_state = str(work / "state-audit")
        audit_s, done = run_cli(
            "--state-dir",
            audit_state,
            "audit",
            str(vault),
            "--format",
            "json",
            "--output",
            os.devnull,
            env=env,
        )
        assert done.returncode in (0, 1), done.stderr

        def line(label: str, seconds: float, target: str = "") -> None:
            print(f"  {label:<52} {seconds:7.3f} s  {target}")

        print("results:")
        line("(a) load the index (in-process, no cache)", load_s)
        line("(b1) plan the rename (moving.plan_move)", plan_s)
        line("(b2) write it (Applier: lock, journal, fsyncs)", write_s)
        line("(b) plan + write, beyond loading", plan_s + write_s, "target <= 1.0 s")
        line("(c) whole `vaultpartner mv`, fresh state folder", cold_s)
        line("(c) whole `vaultpartner mv`, state folder exists", warm_s, "target <= 1.5 s")
        line("cold `vaultpartner audit` of the same vault", audit_s)
        print(
            "note: the index cache that makes the second `mv` fast is issue 6; without it the "
            "whole command pays a full load each time."
        )
    finally:
        if args.vault is None:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
