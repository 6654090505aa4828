"""The errors vaultpartner reports to users: each names a path and says what to do."""

from __future__ import annotations

# Exit codes shared by every command (see README "Exit codes").
EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_USAGE = 2
EXIT_LOCKED = 3
EXIT_INTERRUPTED = 130


class VaultPartnerError(Exception):
    """A user-facing failure: printed as one message, never as a traceback."""

    exit_code = EXIT_USAGE

    def __init__(
        self,
        message: str,
        *,
        path: str | None = None,
        line: int | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.path = path
        self.line = line
        self.hint = hint

    def __str__(self) -> str:
        where = ""
        if self.path is not None:
            where = self.path if self.line is None else f"{self.path}:{self.line}"
            where += ": "
        text = f"{where}{self.message}"
        if self.hint:
            text += f" ({self.hint})"
        return text


class ConfigError(VaultPartnerError):
    """vaultpartner.toml or a command-line setting is wrong."""


class VaultError(VaultPartnerError):
    """The vault folder itself cannot be used (missing, not a folder, unreadable)."""


class LockedError(VaultPartnerError):
    """Another vaultpartner process holds the vault's write lock."""

    exit_code = EXIT_LOCKED


class WriteRefused(VaultPartnerError):
    """The safe writer refused one file; other files are still processed."""

    exit_code = EXIT_FINDINGS
