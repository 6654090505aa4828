from __future__ import annotations

from vaultpartner.cli import main

if __name__ == "__main__":
    main()
