"""The Markdown report note: links to offending notes resolve, quoted link text creates no links."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import make_vault

from vaultpartner.cli import main
from vaultpartner.findings import Finding
from vaultpartner.index import VaultIndex, counts_as_backlink_source
from vaultpartner.note import parse_note
from vaultpartner.report import to_markdown
from vaultpartner.vaultfs import load_vault

GOLDEN_BASIC = Path(__file__).parent / "golden" / "basic" / "vault"

TRICKY = {
    "v1.2.md": "[[Nowhere 1]]\n",
    "Dup.md": "[[Nowhere 2]] [[a/Dup]] [[b/Dup]]\n",
    "a/Dup.md": "[[Nowhere 3]] [[Dup]]\n",
    "b/Dup.md": "[[Nowhere 4]]\n",
    "Папка/Заметка с пробелами.md": "[[Nowhere 5#Раздел]] [[Dup]]\n",
    "C# notes.md": "[[Nowhere 6]] [[Dup]]\n",
    "Tag.md": "[[Dup#Missing heading]] [[Dup#^nope]] [[Dup]]\n",
}


def report_for(vault: Path, language: str) -> str:
    result = CliRunner().invoke(
        main, ["audit", str(vault), "--format", "markdown", "--language", language]
    )
    assert result.exit_code in (0, 1), result.output
    return result.stdout


def audited_paths(vault: Path) -> set[str]:
    result = CliRunner().invoke(main, ["audit", str(vault), "--format", "json"])
    return {finding["path"] for finding in json.loads(result.stdout)["findings"]}


def index_of(vault: Path) -> VaultIndex:
    return load_vault(vault, max_bytes=1 << 24).index


@pytest.fixture(params=["basic", "tricky"])
def vault(request: pytest.FixtureRequest, tmp_path: Path) -> Path:
    root = tmp_path / "vault"
    if request.param == "basic":
        shutil.copytree(GOLDEN_BASIC, root)
        return root
    return make_vault(root, TRICKY)


@pytest.mark.parametrize("language", ["ru", "en"])
def test_report_links_resolve_to_exactly_the_offending_files(vault: Path, language: str) -> None:
    text = report_for(vault, language)
    note = parse_note("Report.md", text.encode("utf-8"))
    assert note.frontmatter_error is None
    assert not counts_as_backlink_source(note)
    index = index_of(vault)
    targets: set[str] = set()
    for link in note.links:
        resolution = index.resolve_link(link, "Report.md")
        assert resolution.resolved, f"{link.raw} does not resolve: {resolution}"
        assert resolution.path is not None
        targets.add(resolution.path)
    # One link per offending file (in its heading); link text quoted in messages is code.
    unlinkable = {path for path in audited_paths(vault) if "#" in path}
    assert targets == audited_paths(vault) - unlinkable
    assert len(note.links) == len(targets)
    for path in unlinkable:
        assert f"## `{path}`" in text


@pytest.mark.parametrize("language", ["ru", "en"])
def test_report_headings_are_the_offending_files(vault: Path, language: str) -> None:
    text = report_for(vault, language)
    headings = [line for line in text.splitlines() if line.startswith("## ")]
    assert len(headings) == len(audited_paths(vault))


def test_report_words_follow_the_language(tmp_path: Path) -> None:
    vault = make_vault(tmp_path / "v", {"A.md": "[[Nowhere]]\n"})
    english = report_for(vault, "en")
    russian = report_for(vault, "ru")
    assert "# Vault audit" in english
    assert "**warning** `broken-link` (line 1): link `[[Nowhere]]` points to no file" in english
    assert "# Проверка хранилища" in russian
    assert "**предупреждение** `broken-link` (строка 1): ссылка `[[Nowhere]]`" in russian


def test_report_without_findings(tmp_path: Path) -> None:
    vault = make_vault(tmp_path / "v", {"A.md": "[[B]]\n", "B.md": "[[A]]\n"})
    assert "No findings." in report_for(vault, "en")
    assert "Замечаний нет." in report_for(vault, "ru")


def test_code_spans_hold_backticks_and_tags_stay_quoted() -> None:
    finding = Finding(
        "broken-heading",
        "error",
        "A.md",
        1,
        1,
        "note B.md has no heading #Tag `x`; see [[B#Tag]]",
        target="[[B#Tag]]",
        literals=("B.md", "#Tag `x`"),
    )
    stats = {"errors": 1, "warnings": 0, "info": 0, "notes": 1, "links": 1}
    text = to_markdown("v", stats, [finding], language="en", today="2026-01-01")
    line = next(line for line in text.splitlines() if line.startswith("- "))
    assert "``#Tag `x```" not in line
    assert "`` #Tag `x` ``" in line or "``#Tag `x` ``" in line
    assert "`[[B#Tag]]`" in line
    note = parse_note("Report.md", text.encode("utf-8"))
    assert [link.raw for link in note.links] == ["[[A]]"]


@pytest.mark.parametrize("count", [0, 1, 2, 999, 1000, 1001, 2001])
def test_json_report_in_pieces_is_one_document_with_a_finding_a_line(count: int) -> None:
    from vaultpartner.report import _JSON_SLICE, json_chunks, to_json

    assert _JSON_SLICE == 1000  # the counts above straddle the slices
    findings = [
        Finding("broken-link", "error", f"Папка/{i}.md", i + 1, 2, f"ссылка «{i}»", "[[x]]")
        for i in range(count)
    ]
    text = to_json("/v", {"findings": count}, findings)
    assert text == "".join(json_chunks("/v", {"findings": count}, findings))
    document = json.loads(text)
    assert [f["path"] for f in document["findings"]] == [f.path for f in findings]
    lines = text.splitlines()
    assert sum(1 for line in lines if line.startswith('    {"code"')) == count
