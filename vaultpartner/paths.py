"""Vault-relative paths the way Obsidian sees them: POSIX separators, NFC, case-insensitive keys."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache

# Obsidian Sync ("Conflicted copy"), Syncthing, Dropbox: copies made when two devices disagree.
_SYNC_CONFLICT_PATTERNS = (
    re.compile(r"\.sync-conflict-\d{8}-\d{6}-[A-Z0-9]{7}(\.|$)"),
    re.compile(r"\(Conflicted copy[^)]*\)", re.IGNORECASE),
    re.compile(r"\([^)]*'s conflicted copy[^)]*\)", re.IGNORECASE),
    re.compile(r"\((Case|Unicode Encoding) Conflict[^)]*\)", re.IGNORECASE),
)


def nfc(text: str) -> str:
    """Unicode NFC, which Obsidian applies to link text and vault paths."""
    return unicodedata.normalize("NFC", text)


def lookup_key(text: str) -> str:
    """Obsidian's case-insensitive key: JavaScript toLowerCase, which str.lower matches (not casefold)."""
    return nfc(text).lower()


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units, the unit of JavaScript's String.length used for tie-breaks."""
    return len(text.encode("utf-16-le")) // 2


def folder_of(path: str) -> str:
    """The folder part of a vault path, '' at the root."""
    cut = path.rfind("/")
    return "" if cut < 0 else path[:cut]


def name_of(path: str) -> str:
    """The file name with its extension."""
    return path[path.rfind("/") + 1 :]


def stem_of(path: str) -> str:
    """Obsidian's basename: the file name without its last extension."""
    name = name_of(path)
    dot = name.rfind(".")
    return name if dot <= 0 else name[:dot]


def extension_of(path: str) -> str:
    """The lower-cased extension without the dot, '' when there is none."""
    name = name_of(path)
    dot = name.rfind(".")
    return "" if dot <= 0 else name[dot + 1 :].lower()


def is_markdown(path: str) -> bool:
    return extension_of(path) == "md"


def is_hidden_name(name: str) -> bool:
    """Dot-files and dot-folders are not part of an Obsidian vault at all."""
    return name.startswith(".")


def is_sync_conflict(path: str) -> bool:
    """A sync tool's conflict copy, reported and never acted on."""
    name = name_of(path)
    if "(" not in name and ".sync-conflict-" not in name:
        return False  # every pattern needs one of the two: most names are answered here
    return any(pattern.search(name) for pattern in _SYNC_CONFLICT_PATTERNS)


def join(folder: str, name: str) -> str:
    return name if not folder else f"{folder}/{name}"


def is_within(path: str, folder: str) -> bool:
    """True when path is folder itself or lies below it (both vault-relative, compared by key)."""
    return within_any(path, (folder,))


def within_any(path: str, folders: Iterable[str]) -> bool:
    """is_within(path, folder) for any of the folders, the path's key worked out once."""
    key: str | None = None
    for folder in folders:
        if not folder:
            return True
        if key is None:
            key = lookup_key(path)
        folder_key = _folder_lookup_key(folder)
        if key == folder_key or key.startswith(folder_key + "/"):
            return True
    return False


@lru_cache(maxsize=256)
def _folder_lookup_key(folder: str) -> str:
    """A configured folder's key (a handful per vault, asked for every note)."""
    return lookup_key(folder.strip("/"))
