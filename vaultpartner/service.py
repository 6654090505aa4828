"""`watch --install-service`: a systemd user unit (Linux) or a launchd agent (macOS) per vault."""

from __future__ import annotations

import hashlib
import os
import re
import shlex
import sys
from pathlib import Path

from vaultpartner.errors import VaultPartnerError


def _slug(vault: Path) -> str:
    real = os.path.realpath(vault)
    name = re.sub(r"[^A-Za-z0-9_-]+", "-", Path(real).name).strip("-")[:30] or "vault"
    return f"{name}-{hashlib.sha256(real.encode()).hexdigest()[:8]}"


def _command(vault: Path, state_dir: Path | None) -> list[str]:
    command = [sys.executable, "-m", "vaultpartner"]
    if state_dir is not None:
        command += ["--state-dir", str(state_dir)]
    return [*command, "watch", os.path.realpath(vault)]


def unit_path(vault: Path, *, platform: str = sys.platform) -> Path:
    home = Path.home()
    if platform.startswith("linux"):
        config = Path(os.environ.get("XDG_CONFIG_HOME") or home / ".config")
        return config / "systemd" / "user" / f"vaultpartner-{_slug(vault)}.service"
    if platform == "darwin":
        return home / "Library" / "LaunchAgents" / f"io.vaultpartner.{_slug(vault)}.plist"
    raise VaultPartnerError(
        f"--install-service supports Linux (systemd) and macOS (launchd), not {platform}",
        hint="run `vaultpartner watch VAULT` from your system's task scheduler instead",
    )


def unit_text(vault: Path, state_dir: Path | None, *, platform: str = sys.platform) -> str:
    command = _command(vault, state_dir)
    if platform.startswith("linux"):
        return (
            "[Unit]\n"
            f"Description=vaultpartner watcher for {os.path.realpath(vault)}\n\n"
            "[Service]\n"
            f"ExecStart={shlex.join(command)}\n"
            "Restart=on-failure\n"
            "RestartSec=10\n\n"
            "[Install]\n"
            "WantedBy=default.target\n"
        )
    arguments = "".join(f"    <string>{_xml(part)}</string>\n" for part in command)
    label = f"io.vaultpartner.{_slug(vault)}"
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" '
        '"http://www.apple.com/DTDs/PropertyList-1.0.dtd">\n'
        '<plist version="1.0">\n<dict>\n'
        f"  <key>Label</key><string>{label}</string>\n"
        f"  <key>ProgramArguments</key>\n  <array>\n{arguments}  </array>\n"
        "  <key>RunAtLoad</key><true/>\n  <key>KeepAlive</key><true/>\n"
        "</dict>\n</plist>\n"
    )


def _xml(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def install(vault: Path, state_dir: Path | None) -> tuple[Path, list[str]]:
    """Write the unit file (outside the vault); return it and the commands that enable it."""
    path = unit_path(vault)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(unit_text(vault, state_dir), encoding="utf-8")
    if sys.platform == "darwin":
        return path, [f"launchctl load -w {shlex.quote(str(path))}"]
    return path, ["systemctl --user daemon-reload", f"systemctl --user enable --now {path.name}"]


def uninstall(vault: Path) -> tuple[Path, list[str]]:
    """Remove the unit file; return it and the commands that stop the running service."""
    path = unit_path(vault)
    if not path.exists():
        raise VaultPartnerError("no service is installed for this vault", path=str(path))
    if sys.platform == "darwin":
        commands = [f"launchctl unload -w {shlex.quote(str(path))}"]
    else:
        commands = [f"systemctl --user disable --now {path.name}", "systemctl --user daemon-reload"]
    path.unlink()
    return path, commands
