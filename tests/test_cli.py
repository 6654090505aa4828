"""The command line: exit codes, exact error messages, outputs and the JSON schema."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from conftest import make_vault, read_vault

from vaultpartner import __version__
from vaultpartner.cli import main
from vaultpartner.config import CONFIG_FILE_NAME, load_config
from vaultpartner.index import counts_as_backlink_source
from vaultpartner.note import parse_note

CLEAN = {"A.md": "# A\n\n[[B]]\n", "B.md": "# B\n\n[[A]]\n"}
WARNINGS_ONLY = {**CLEAN, "C.md": "[[A]] and [[Something not written yet]]\n"}
WITH_ERROR = {**CLEAN, "C.md": "[[A]] and [[A#No such heading]]\n"}


def invoke(*args: str | Path) -> Result:
    return CliRunner().invoke(main, [str(arg) for arg in args], prog_name="vaultpartner")


def audit_json(vault: Path, *extra: str) -> dict[str, object]:
    result = invoke("audit", vault, "--format", "json", *extra)
    assert result.exit_code in (0, 1), result.output
    document: dict[str, object] = json.loads(result.stdout)
    return document


def findings_of(document: dict[str, object]) -> list[dict[str, object]]:
    findings = document["findings"]
    assert isinstance(findings, list)
    return findings


# --- exit codes --------------------------------------------------------------------------


def test_audit_without_findings_exits_0(tmp_path: Path) -> None:
    vault = make_vault(tmp_path / "v", CLEAN)
    result = invoke("audit", vault)
    assert result.exit_code == 0, result.output
    assert "errors: 0, warnings: 0, info: 0 — notes: 2, links: 2" in result.stdout


def test_warnings_exit_0_by_default_and_1_with_fail_on_warning(tmp_path: Path) -> None:
    vault = make_vault(tmp_path / "v", WARNINGS_ONLY)
    assert invoke("audit", vault).exit_code == 0
    assert invoke("audit", vault, "--fail-on", "warning").exit_code == 1
    assert invoke("audit", vault, "--fail-on", "error").exit_code == 0


def test_fail_on_from_config_file(tmp_path: Path) -> None:
    vault = make_vault(
        tmp_path / "v", {**WARNINGS_ONLY, CONFIG_FILE_NAME: '[audit]\nfail_on = "warning"\n'}
    )
    assert invoke("audit", vault).exit_code == 1
    assert invoke("audit", vault, "--fail-on", "never").exit_code == 0


def test_errors_exit_1_unless_fail_on_never(tmp_path: Path) -> None:
    vault = make_vault(tmp_path / "v", WITH_ERROR)
    result = invoke("audit", vault)
    assert result.exit_code == 1
    assert "broken-heading" in result.stdout
    assert invoke("audit", vault, "--fail-on", "never").exit_code == 0


def test_missing_vault_folder_exits_2_with_one_clear_line(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-vault"
    result = invoke("audit", missing)
    assert result.exit_code == 2
    assert result.stderr == f"error: {missing}: vault folder does not exist (check the path)\n"
    assert result.stdout == ""


def test_vault_that_is_a_file_exits_2(tmp_path: Path) -> None:
    file = tmp_path / "note.md"
    file.write_text("x", encoding="utf-8")
    result = invoke("audit", file)
    assert result.exit_code == 2
    assert result.stderr.startswith(f"error: {file}: not a folder")


def test_unknown_config_key_exits_2_naming_file_key_and_valid_keys(tmp_path: Path) -> None:
    vault = make_vault(tmp_path / "v", {**CLEAN, CONFIG_FILE_NAME: '[audit]\nfail_onn = "x"\n'})
    result = invoke("audit", vault)
    assert result.exit_code == 2
    toml = vault / CONFIG_FILE_NAME
    assert result.stderr == (
        f'error: {toml}:2: unknown key "fail_onn" in [audit] (did you mean "fail_on"? '
        "valid keys in [audit]: fail_on, orphans, suggestion_cutoff, max_note_bytes)\n"
    )


def test_unknown_top_level_key_lists_valid_keys(tmp_path: Path) -> None:
    vault = make_vault(tmp_path / "v", {**CLEAN, CONFIG_FILE_NAME: "bogus = 1\n"})
    result = invoke("audit", vault)
    assert result.exit_code == 2
    assert f"{vault / CONFIG_FILE_NAME}:1: unknown key " in result.stderr
    assert '"bogus"' in result.stderr
    assert "valid top-level keys: language, exclude, [audit]" in result.stderr


def test_bad_format_is_a_usage_error(tmp_path: Path) -> None:
    vault = make_vault(tmp_path / "v", CLEAN)
    result = invoke("audit", vault, "--format", "xml")
    assert result.exit_code == 2
    assert "Invalid value for '--format'" in result.stderr
    assert "Usage: vaultpartner audit" in result.stderr


# --- outputs -----------------------------------------------------------------------------


def test_output_outside_the_vault_writes_the_file(tmp_path: Path) -> None:
    vault = make_vault(tmp_path / "v", WITH_ERROR)
    before = read_vault(vault)
    out = tmp_path / "audit.json"
    result = invoke("audit", vault, "--format", "json", "--output", out)
    assert result.exit_code == 1
    assert result.stdout == ""
    document = json.loads(out.read_text(encoding="utf-8"))
    assert [f["code"] for f in document["findings"]] == ["broken-heading"]
    assert read_vault(vault) == before


def test_text_output_to_a_file(tmp_path: Path) -> None:
    vault = make_vault(tmp_path / "v", WARNINGS_ONLY)
    out = tmp_path / "audit.txt"
    assert invoke("audit", vault, "--output", out, "--language", "en").exit_code == 0
    text = out.read_text(encoding="utf-8")
    assert "broken-link" in text
    assert "errors: 0, warnings: 1, info: 0 — notes: 3" in text


def test_markdown_report_inside_the_vault_is_no_backlink_and_not_audited(tmp_path: Path) -> None:
    # "Lonely" is an orphan; the report will link to it (and to a missing note) in its body.
    vault = make_vault(
        tmp_path / "v",
        {**CLEAN, "Lonely.md": "# Lonely\n", "C.md": "[[A]] [[Missing page]]\n"},
    )
    first = audit_json(vault)
    assert {(f["code"], f["path"]) for f in findings_of(first)} == {
        ("orphan-note", "Lonely.md"),
        ("broken-link", "C.md"),
    }
    report = vault / "Audit.md"
    result = invoke("audit", vault, "--format", "markdown", "--output", report)
    assert result.exit_code == 0, result.output
    note = parse_note("Audit.md", report.read_bytes())
    assert not counts_as_backlink_source(note)
    assert any(link.text.linkpath == "Lonely" for link in note.links)
    second = audit_json(vault)
    assert findings_of(second) == findings_of(first)
    stats = second["stats"]
    assert isinstance(stats, dict)
    assert stats["notes"] == 5
    # Writing the report again replaces it.
    assert invoke("audit", vault, "--format", "markdown", "--output", report).exit_code == 0


def test_json_schema(tmp_path: Path) -> None:
    vault = make_vault(
        tmp_path / "v",
        {
            **CLEAN,
            "C.md": "[[A]] [[Tie]] [[A#Nope]]\n",
            "aa/Tie.md": "[[A]]\n",
            "bb/Tie.md": "[[A]]\n",
            "Bad.md": b"[[A]] \xff\n",
        },
    )
    document = audit_json(vault, "--language", "en")
    assert set(document) == {"schema", "tool", "vault", "stats", "findings"}
    assert document["schema"] == 1
    assert document["tool"] == f"vaultpartner {__version__}"
    assert document["vault"] == str(vault)
    assert set(document["stats"]) == {  # type: ignore[arg-type]
        "files",
        "notes",
        "links",
        "findings",
        "errors",
        "warnings",
        "info",
    }
    base = {
        "code",
        "severity",
        "path",
        "line",
        "column",
        "message",
        "target",
        "suggestion",
        "suggestions",
    }
    by_code = {f["code"]: f for f in findings_of(document)}
    assert set(by_code) == {"ambiguous-link", "broken-heading", "unreadable-file"}
    assert set(by_code["ambiguous-link"]) == base | {"candidates"}
    assert by_code["ambiguous-link"]["candidates"] == ["aa/Tie.md", "bb/Tie.md"]
    assert by_code["ambiguous-link"]["suggestion"] == "[[aa/Tie]]"
    assert set(by_code["broken-heading"]) == base
    assert (by_code["broken-heading"]["line"], by_code["broken-heading"]["column"]) == (1, 15)
    unreadable = by_code["unreadable-file"]
    assert set(unreadable) == base | {"offset"}
    assert unreadable["offset"] == 6
    assert unreadable["line"] is None
    assert unreadable["column"] is None
    assert unreadable["target"] is None


# --- other commands ----------------------------------------------------------------------


def test_demo_copies_the_sample_vault_and_exits_0(tmp_path: Path) -> None:
    target = tmp_path / "demo"
    result = invoke("demo", target)
    assert result.exit_code == 0, result.output
    assert f"Sample vault copied to {target}" in result.stdout
    assert (target / ".obsidian" / "app.json").is_file()
    assert len(list(target.rglob("*.md"))) >= 10


def test_demo_refuses_a_non_empty_folder(tmp_path: Path) -> None:
    target = make_vault(tmp_path / "demo", {"mine.md": "keep me\n"})
    result = invoke("demo", target)
    assert result.exit_code == 2
    assert result.stderr.startswith(f"error: {target}: folder exists and is not empty")
    assert read_vault(target) == {"mine.md": b"keep me\n"}


def test_init_writes_a_config_that_loads_and_never_overwrites(tmp_path: Path) -> None:
    vault = make_vault(tmp_path / "v", CLEAN)
    result = invoke("init", vault, "--language", "en")
    assert result.exit_code == 0, result.output
    written = (vault / CONFIG_FILE_NAME).read_bytes()
    loaded = load_config(vault)
    assert loaded.path == vault / CONFIG_FILE_NAME
    assert set(loaded.sources.values()) == {"default"}
    again = invoke("init", vault, "--language", "ru")
    assert again.exit_code == 2
    assert CONFIG_FILE_NAME in again.stderr
    assert (vault / CONFIG_FILE_NAME).read_bytes() == written


def test_config_prints_keys_with_sources(tmp_path: Path) -> None:
    vault = make_vault(tmp_path / "v", {**CLEAN, CONFIG_FILE_NAME: 'language = "ru"\n'})
    result = invoke("config", vault)
    assert result.exit_code == 0, result.output
    lines = {line.split()[0]: line for line in result.stdout.splitlines() if line.strip()}
    assert lines["language"].endswith(f"# {CONFIG_FILE_NAME}")
    assert '"ru"' in lines["language"]
    assert lines["audit.fail_on"].endswith("# default")
    assert "obsidian.newLinkFormat" in lines
    assert "state_dir" in lines


def test_version() -> None:
    result = invoke("--version")
    assert result.exit_code == 0
    assert result.stdout == f"vaultpartner, version {__version__}\n"


COMMANDS = [
    "audit", "demo", "init", "config", "mv", "undo", "log", "fix", "watch", "pause", "resume",
    "followups", "new",
]  # fmt: skip


@pytest.mark.parametrize("command", [[], *([name] for name in COMMANDS)])
def test_every_help_has_an_example(command: list[str]) -> None:
    result = invoke(*command, "--help")
    assert result.exit_code == 0
    assert "Example" in result.stdout


def test_every_command_is_covered_by_the_help_test() -> None:
    assert set(main.commands) == set(COMMANDS)  # type: ignore[attr-defined]


def test_python_dash_m_version() -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "vaultpartner", "--version"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.strip() == f"vaultpartner, version {__version__}"


def test_the_program_leaves_at_once_with_everything_written(tmp_path: Path) -> None:
    """`python -m vaultpartner` ends with os._exit (see cli.run): output on stdout, in a file
    and the state folder must be complete, and the exit code the command's."""
    import json
    import shutil
    import subprocess
    import sys

    vault = tmp_path / "vault"
    shutil.copytree(Path(__file__).resolve().parent.parent / "vaultpartner" / "sample_vault", vault)
    state = tmp_path / "state"
    base = [sys.executable, "-m", "vaultpartner", "--state-dir", str(state), "audit", str(vault)]
    piped = subprocess.run([*base, "--format", "json"], capture_output=True, text=True)
    assert piped.returncode == 1, piped.stderr  # the sample vault has an error on purpose
    assert json.loads(piped.stdout)["stats"]["errors"] >= 1
    report = tmp_path / "report.json"
    again = subprocess.run([*base, "--format", "json", "-o", str(report)], capture_output=True)
    assert again.returncode == 1
    assert json.loads(report.read_text(encoding="utf-8")) == json.loads(piped.stdout)
    assert any(p.name == "snapshot.bin" for p in state.rglob("*"))
    missing = subprocess.run(
        [*base[:-1], str(tmp_path / "nowhere")], capture_output=True, text=True
    )
    assert missing.returncode == 2
    assert "does not exist" in missing.stderr


def test_a_cold_audit_with_recruiters_loads_no_template_or_terminal_libraries(
    tmp_path: Path,
) -> None:
    """Jinja2 (note rendering) and rich (terminal display) are for other commands: the
    audit's partnership checks read the vault without them."""
    import subprocess
    import sys

    vault = make_vault(
        tmp_path / "v",
        {
            "Рекрутеры/Анна.md": "---\ntype: recruiter\nlast_contact: 2026-01-01\n---\n# Анна\n",
            "Заметка.md": "[[Анна]] [[Нет такой]]\n",
        },
    )
    code = (
        "import sys, os; from vaultpartner import cli\n"
        "try:\n"
        f"    cli.main.main(['--state-dir', {str(tmp_path / 'state')!r}, 'audit', {str(vault)!r},"
        "     '--format', 'json', '--output', os.devnull], standalone_mode=False)\n"
        "except SystemExit:\n"
        "    pass\n"
        "print(sorted(m for m in ('jinja2', 'rich') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == "[]"


def test_the_progress_bar_runs_no_thread_of_its_own(capsys: pytest.CaptureFixture[str]) -> None:
    """A second thread would keep the audit from forking its helper (and make forking the
    parsers unsafe): the bar is redrawn by the updates themselves."""
    import threading

    from vaultpartner.console import progress_bar

    before = threading.active_count()
    with progress_bar("reading notes", enabled=True) as update:
        assert update is not None
        update(5, 10)
        assert threading.active_count() == before
        update(10, 10)
    assert threading.active_count() == before
