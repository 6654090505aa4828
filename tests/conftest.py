"""Shared test helpers: tiny vaults on disk, an isolated state folder, a thread-leak guard."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest

VaultFiles = Mapping[str, str | bytes]


def make_vault(root: Path, files: VaultFiles) -> Path:
    """Create files under root (str is written as UTF-8, bytes as-is); returns root."""
    root.mkdir(parents=True, exist_ok=True)
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        data = content.encode("utf-8") if isinstance(content, str) else content
        path.write_bytes(data)
    return root


def read_vault(root: Path) -> dict[str, bytes]:
    """Every file under root (hidden ones included), by POSIX relative path."""
    return {
        path.relative_to(root).as_posix(): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


@pytest.fixture(name="make_vault")
def make_vault_fixture() -> object:
    """The make_vault helper as a fixture, for tests that prefer fixtures to imports."""
    return make_vault


@pytest.fixture(name="read_vault")
def read_vault_fixture() -> object:
    return read_vault


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden",
        action="store_true",
        default=False,
        help="rewrite tests/golden/*/expected.json from the current output",
    )


@pytest.fixture
def update_golden(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-golden"))


@pytest.fixture(autouse=True)
def _isolated_state(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """Tests never touch the real per-user state folder."""
    state = tmp_path_factory.mktemp("xdg-state")
    monkeypatch.setenv("XDG_STATE_HOME", str(state))
    monkeypatch.delenv("VAULTPARTNER_STATE_DIR", raising=False)
    return state


@pytest.fixture(autouse=True)
def _no_leaked_threads() -> Iterator[None]:
    """Fail a test that leaves a non-daemon thread running."""
    before = set(threading.enumerate())
    yield
    leaked = [
        thread
        for thread in threading.enumerate()
        if thread not in before and thread.is_alive() and not thread.daemon
    ]
    for thread in leaked:  # give threads that are just finishing a moment
        thread.join(timeout=2.0)
    still = [thread.name for thread in leaked if thread.is_alive()]
    if still:
        pytest.fail(f"test leaked non-daemon threads: {', '.join(still)}")
