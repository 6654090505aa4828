"""Golden vaults: `audit VAULT --format json` must match tests/golden/<case>/expected.json.

Regenerate after an intended change with `pytest tests/test_golden.py --update-golden`, then
read the diff: every finding in an expected file has been checked against the spec by hand.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import read_vault

from vaultpartner import __version__
from vaultpartner.cli import main

GOLDEN = Path(__file__).parent / "golden"
CASES = sorted(path.name for path in GOLDEN.iterdir() if (path / "vault").is_dir())
VAULT_PLACEHOLDER = "<VAULT>"
TOOL_PLACEHOLDER = "vaultpartner <VERSION>"


def run_json_audit(vault: Path) -> tuple[int, dict[str, object]]:
    result = CliRunner().invoke(main, ["audit", str(vault), "--format", "json"])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    document = json.loads(result.stdout)
    assert document["vault"] == str(vault)
    assert document["tool"] == f"vaultpartner {__version__}"
    document["vault"] = VAULT_PLACEHOLDER
    document["tool"] = TOOL_PLACEHOLDER
    return result.exit_code, document


def test_there_are_golden_cases() -> None:
    assert {
        "basic",
        "code-and-comments",
        "templates-excluded",
        "report-note",
        "markdown-links",
        "frontmatter-links",
    } <= set(CASES)


@pytest.mark.parametrize("case", CASES)
def test_golden(case: str, tmp_path: Path, update_golden: bool) -> None:
    vault = tmp_path / "vault"
    shutil.copytree(GOLDEN / case / "vault", vault)
    before = read_vault(vault)
    exit_code, document = run_json_audit(vault)
    assert read_vault(vault) == before, "the audit changed the vault"
    stats = document["stats"]
    assert isinstance(stats, dict)
    assert exit_code == (1 if stats["errors"] else 0)
    expected_file = GOLDEN / case / "expected.json"
    if update_golden:
        text = json.dumps(document, ensure_ascii=False, indent=2) + "\n"
        expected_file.write_text(text, encoding="utf-8")
        return
    expected = json.loads(expected_file.read_text(encoding="utf-8"))
    assert document == expected
