from __future__ import annotations

from vaultpartner.cli import run

if __name__ == "__main__":
    run()
