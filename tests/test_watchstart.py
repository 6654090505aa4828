"""The watcher's start: renames made while it was stopped, the first-start backlog, services."""

from __future__ import annotations

import os
import shutil
from importlib import resources
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import make_vault, read_vault

from vaultpartner import service
from vaultpartner.cli import main


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.output


def sample(tmp_path: Path) -> Path:
    root = tmp_path / "vault"
    with resources.as_file(resources.files("vaultpartner") / "sample_vault") as folder:
        shutil.copytree(folder, root)
    return root


def test_first_start_only_reports_the_backlog(tmp_path: Path) -> None:
    root = sample(tmp_path)
    state = str(tmp_path / "state")
    before = read_vault(root)
    code, output = run("--state-dir", state, "watch", str(root), "--once")
    assert code == 0
    assert "first start over this vault" in output
    assert read_vault(root) == before  # nothing written: no follow-ups, no fixes


def test_apply_backlog_writes_followups_on_the_first_start(tmp_path: Path) -> None:
    root = sample(tmp_path)
    state = str(tmp_path / "state")
    code, _ = run("--state-dir", state, "watch", str(root), "--once", "--apply-backlog")
    assert code == 0
    assert (root / "Follow-ups" / "Digest.md").exists()


def test_a_rename_made_while_stopped_is_repaired_at_start(tmp_path: Path) -> None:
    root = make_vault(
        tmp_path / "v", {"Old.md": "# Old\n", "A.md": "see [[Old]] and [[Old#Old|h]]\n"}
    )
    state = str(tmp_path / "state")
    assert run("--state-dir", state, "audit", str(root))[0] == 0  # saves the snapshot
    os.rename(root / "Old.md", root / "New.md")
    code, output = run("--state-dir", state, "watch", str(root), "--once")
    assert code == 0, output
    assert (root / "A.md").read_text(encoding="utf-8") == "see [[New]] and [[New#Old|h]]\n"


def test_report_only_writes_nothing(tmp_path: Path) -> None:
    root = make_vault(tmp_path / "v", {"Old.md": "x\n", "A.md": "[[Old]]\n"})
    state = str(tmp_path / "state")
    run("--state-dir", state, "audit", str(root))
    os.rename(root / "Old.md", root / "New.md")
    before = read_vault(root)
    assert run("--state-dir", state, "watch", str(root), "--once", "--report-only")[0] == 0
    assert read_vault(root) == before


def test_service_units_run_the_watcher_for_the_vault(tmp_path: Path) -> None:
    vault = tmp_path / "My Vault"
    vault.mkdir()
    unit = service.unit_text(vault, None, platform="linux")
    assert "ExecStart=" in unit
    assert "watch" in unit
    assert "'" + os.path.realpath(vault) + "'" in unit  # quoted: the path has a space
    plist = service.unit_text(vault, tmp_path / "st", platform="darwin")
    assert f"<string>{os.path.realpath(vault)}</string>" in plist
    assert "<string>--state-dir</string>" in plist


def test_install_and_uninstall_service(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setattr("sys.platform", "linux")
    vault = make_vault(tmp_path / "v", {"a.md": "x\n"})
    code, output = run("watch", str(vault), "--install-service")
    assert code == 0
    assert "systemctl --user enable --now" in output
    units = list((tmp_path / "config" / "systemd" / "user").iterdir())
    assert len(units) == 1
    code, output = run("watch", str(vault), "--uninstall-service")
    assert code == 0
    assert "systemctl --user disable --now" in output
    assert not units[0].exists()


def test_a_generated_note_as_written_is_no_reason_to_plan_follow_ups_again(
    tmp_path: Path,
) -> None:
    from vaultpartner import app
    from vaultpartner.partners.generated import GeneratedState
    from vaultpartner.watchstart import partner_note

    root = make_vault(
        tmp_path / "v",
        {
            "Follow-ups/2026-11-20 Anna.md": "---\ngenerated_by: vaultpartner\n---\n- [ ] write\n",
            "Recruiters/Anna.md": "---\ntype: recruiter\n---\n",
            "Other.md": "text\n",
        },
    )
    session = app.open_session(root, state_override=tmp_path / "state")
    index = app.load(session, use_cache=False).index
    followup = "Follow-ups/2026-11-20 Anna.md"
    ours = GeneratedState({followup: index.notes[followup].content_hash})
    # As vaultpartner wrote it: its own echo. (Planning again on it made the watcher create
    # max_new_notes follow-ups per cycle until all were there.)
    assert not partner_note(index, session, followup, ours)
    assert partner_note(index, session, followup, GeneratedState({followup: "edited since"}))
    assert partner_note(index, session, followup)  # nothing known: a change like any other
    assert partner_note(index, session, "Recruiters/Anna.md", ours)
    assert not partner_note(index, session, "Other.md", ours)
    assert partner_note(index, session, "Follow-ups/deleted.md", ours)  # gone: the user's doing
