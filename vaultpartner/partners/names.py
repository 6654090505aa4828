"""Safe file names for notes whose names come from note fields (untrusted). Pure.

The rules are the union of what Obsidian, Windows, macOS and Linux refuse (reliability spec
4.2, and Obsidian's own web clipper `safe_name`): no `* " \\ / < > : | ? # ^ [ ]`, no control
characters, no leading dots, no trailing dots or spaces, no Windows device names, no `..`,
and a length counted in UTF-8 bytes that leaves room for `.md` and the safe writer's
temporary-file name (`.<name>.vp-xxxxxxxx.tmp`).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable

NOTE_SUFFIX = ".md"
# NAME_MAX (255 bytes) minus the writer's temp prefix "." and suffix ".vp-xxxxxxxx.tmp",
# minus ".md": a name this long still fits every temporary and final name.
_WRITER_OVERHEAD = len(".") + len(".vp-00000000.tmp")
MAX_STEM_BYTES = 255 - _WRITER_OVERHEAD - len(NOTE_SUFFIX)
UNTITLED = "Untitled"

_FORBIDDEN = re.compile(r'[*"\\/<>:|?#^\[\]\x00-\x1f\x7f\u0085\u2028\u2029]')
_INVISIBLE = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs", "Co", "Cn"})
_SPACES = re.compile(r"\s+")
# Template and Templater delimiters: harmless in a name, but links to the note would carry them.
_EXECUTABLE = re.compile(r"\{\{|\}\}|\{%|%\}|<%|%>")
_DOTS = re.compile(r"\.{2,}")
_RESERVED = frozenset(
    {"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$"}
    | {f"COM{i}" for i in range(10)}
    | {f"LPT{i}" for i in range(10)}
    | {f"COM{c}" for c in "¹²³"}
    | {f"LPT{c}" for c in "¹²³"}
)


def cut_bytes(text: str, limit: int) -> str:
    """The longest prefix of text whose UTF-8 encoding fits in limit bytes (whole characters)."""
    data = text.encode("utf-8")
    if len(data) <= limit:
        return text
    cut = data[:limit].decode("utf-8", errors="ignore")
    # Do not leave a base letter without its combining marks.
    while cut and unicodedata.combining(text[len(cut)]):
        cut = cut[:-1]
    return cut


def _trim(name: str) -> str:
    return name.strip(" .\t")


def safe_stem(raw: str, *, max_bytes: int = MAX_STEM_BYTES) -> str:
    """A file name stem (no extension) that every OS and Obsidian accept, never empty."""
    name = unicodedata.normalize("NFC", raw)
    while _EXECUTABLE.search(name):
        name = _EXECUTABLE.sub(" ", name)
    name = _FORBIDDEN.sub(" ", name)
    name = "".join(" " if unicodedata.category(ch) in _INVISIBLE else ch for ch in name)
    name = _DOTS.sub(".", name)
    name = _SPACES.sub(" ", name)
    name = _trim(name)
    if name.split(".")[0].strip().upper() in _RESERVED:
        name = f"_{name}"
    name = _trim(cut_bytes(name, max_bytes))
    return name or UNTITLED


def safe_folder(raw: str) -> str:
    """A vault-relative folder (from the settings): each part made safe, `..` and `.` dropped."""
    parts = []
    for part in unicodedata.normalize("NFC", raw).replace("\\", "/").split("/"):
        if part.strip() in ("", ".", ".."):
            continue
        parts.append(safe_stem(part))
    return "/".join(parts)


def fill_pattern(pattern: str, **values: str) -> str:
    """`{date} {name}` with the values; unknown placeholders are kept as literal text."""

    def replace(match: re.Match[str]) -> str:
        key = match.group(1)
        return values.get(key, match.group(0))

    return re.sub(r"\{(\w+)\}", replace, pattern)


def fold(path: str) -> str:
    """How a file system that ignores case and normalisation compares names."""
    return unicodedata.normalize("NFC", path).casefold()


def note_path(folder: str, stem: str) -> str:
    return f"{folder}/{stem}{NOTE_SUFFIX}" if folder else f"{stem}{NOTE_SUFFIX}"


def unique_note_path(folder: str, stem: str, taken: Callable[[str], bool] | Iterable[str]) -> str:
    """folder/stem.md, or folder/stem 2.md, stem 3.md... : the first name not taken.

    `taken` is a predicate or a collection of vault paths; comparison ignores case and
    Unicode normalisation, because macOS, Windows and Obsidian do.
    """
    if callable(taken):
        is_taken = taken
    else:
        folded = {fold(path) for path in taken}

        def is_taken(path: str) -> bool:
            return fold(path) in folded

    candidate = note_path(folder, stem)
    number = 2
    while is_taken(candidate):
        suffix = f" {number}"
        base = _trim(cut_bytes(stem, MAX_STEM_BYTES - len(suffix.encode()))) or UNTITLED
        candidate = note_path(folder, base + suffix)
        number += 1
    return candidate
