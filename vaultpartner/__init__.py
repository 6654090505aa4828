"""vaultpartner: keeps an Obsidian vault of recruiter partnerships healthy."""

from __future__ import annotations

__version__ = "0.1.0"
