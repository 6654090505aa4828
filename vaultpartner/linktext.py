"""The text inside a link: target, subpath and display, cleaned as Obsidian cleans them.

Pure string functions, no I/O: `[[target#subpath|display]]` content and Markdown link
destinations both end up as a `LinkText`.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import NamedTuple

from vaultpartner.paths import nfc

_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:")
# JavaScript decodeURI leaves escapes of these reserved characters encoded.
_DECODE_URI_RESERVED = frozenset(";/?:@&=+$,#")
_PERCENT = re.compile(r"(?:%[0-9A-Fa-f]{2})+")
# What JavaScript's String.prototype.trim removes (WhiteSpace and LineTerminator). Python's
# str.strip() differs: it also strips U+001C-U+001F and U+0085 but keeps U+FEFF.
JS_WHITESPACE = (
    "\t\n\v\f\r \u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008"
    "\u2009\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
)


class LinkText(NamedTuple):  # a tuple: cheap to build and to pickle across processes
    """A link's meaning: linkpath (file part), subpath (from the first '#') and display text."""

    linkpath: str
    subpath: str
    display: str | None

    @property
    def target(self) -> str:
        return self.linkpath + self.subpath


def js_trim(text: str) -> str:
    """JavaScript's String.prototype.trim."""
    return text.strip(JS_WHITESPACE)


def clean(text: str) -> str:
    """Obsidian's cleanString: no-break spaces become spaces, trimmed, NFC."""
    return nfc(js_trim(text.replace("\u00a0", " ")))


def split_subpath(target: str) -> tuple[str, str]:
    """Split at the first '#': (linkpath, subpath-with-#)."""
    cut = target.find("#")
    if cut < 0:
        return target, ""
    return target[:cut], target[cut:]


@dataclass(frozen=True, slots=True)
class WikiParts:
    """Where the parts of `[[...]]` content sit, relative to the content's start."""

    text: LinkText
    target_start: int
    target_end: int  # excludes a dropped trailing backslash
    pipe: int  # -1 without display text
    escaped_pipe: bool


_PLAIN_CONTENT = re.compile(r"[^\s|\\#\u00a0\ufeff]+(?: [^\s|\\#\u00a0\ufeff]+)*")
# A target with no whitespace to trim, backslash or no-break space, then maybe `|display`.
_PLAIN_PIPED = re.compile(
    r"([^\s|\\\u00a0\ufeff]+(?: [^\s|\\\u00a0\ufeff]+)*)(?:\|(.*))?", re.DOTALL
)


def wiki_link_parts(content: str) -> tuple[str, str, str | None]:
    """The meaning of `[[content]]` as a plain (linkpath, subpath, display) tuple, what the
    parser stores; fast paths for the common `[[Name]]`, `[[Name#Heading]]` and
    `[[Name|display]]` (what parse_wiki_content gives, without the positions)."""
    if _PLAIN_CONTENT.fullmatch(content):
        # No pipe, backslash, '#', no-break space, or whitespace to trim: only NFC remains.
        target = content if unicodedata.is_normalized("NFC", content) else nfc(content)
        return target, "", None
    piped = _PLAIN_PIPED.fullmatch(content)
    if piped is None:
        text = parse_wiki_content(content).text
        return text.linkpath, text.subpath, text.display
    left, display = piped.groups()
    target = left if unicodedata.is_normalized("NFC", left) else nfc(left)
    cut = target.find("#")
    linkpath, subpath = (target, "") if cut < 0 else (target[:cut], target[cut:])
    return linkpath, subpath, None if display is None else js_trim(display)


def parse_wiki_content(content: str) -> WikiParts:
    """Parse the content between `[[` and `]]` (spec 1.1 items 5-8)."""
    lead = len(content) - len(content.lstrip(JS_WHITESPACE))
    trimmed = js_trim(content)
    pipe = trimmed.find("|")
    if pipe <= 0:
        left, display, pipe_at = trimmed, None, -1
    else:
        left, display, pipe_at = trimmed[:pipe], js_trim(trimmed[pipe + 1 :]), lead + pipe
    escaped = left.endswith("\\")
    if escaped:
        left = left[:-1]
    target = clean(left)
    linkpath, subpath = split_subpath(target)
    # Positions of the raw target text, so an edit can replace it and keep the rest.
    inner_lead = len(left) - len(left.lstrip(JS_WHITESPACE))
    start = lead + inner_lead
    end = lead + len(left.rstrip(JS_WHITESPACE))
    return WikiParts(
        text=LinkText(linkpath=linkpath, subpath=subpath, display=display),
        target_start=start,
        target_end=max(start, end),
        pipe=pipe_at,
        escaped_pipe=escaped and pipe_at >= 0,
    )


def is_external(destination: str) -> bool:
    """URLs with a scheme (https:, mailto:, obsidian:, file: ...) are not vault links."""
    return bool(_SCHEME.match(destination)) or destination.startswith("//")


def decode_uri(text: str) -> str | None:
    """JavaScript decodeURI: None when an escape sequence is malformed."""
    if "%" not in text:
        return text
    spaced = text.replace("%20", " ")  # the usual escape in a note's link
    if "%" not in spaced:
        return spaced
    out: list[str] = []
    pos = 0
    for match in _PERCENT.finditer(text):
        plain = text[pos : match.start()]
        if "%" in plain:  # a '%' not followed by two hex digits is a URIError
            return None
        decoded = _decode_percent_run(match.group())
        if decoded is None:
            return None
        out.append(plain)
        out.append(decoded)
        pos = match.end()
    rest = text[pos:]
    if "%" in rest:
        return None
    out.append(rest)
    return "".join(out)


def _decode_percent_run(run: str) -> str | None:
    raw = bytes.fromhex(run.replace("%", ""))
    try:
        whole = raw.decode("utf-8")
    except UnicodeDecodeError:
        pass  # the careful reading below says which sequence is malformed
    else:
        # Valid UTF-8 decodes the same at once; reserved characters stay escaped.
        if _DECODE_URI_RESERVED.isdisjoint(whole):
            return whole
    pieces: list[str] = []
    pos = 0
    while pos < len(raw):
        first = raw[pos]
        width = (
            1 if first < 0x80 else 2 if first >> 5 == 0b110 else 3 if first >> 4 == 0b1110 else 4
        )
        if first >= 0x80 and first >> 3 == 0b11111:
            return None
        chunk = raw[pos : pos + width]
        try:
            char = chunk.decode("utf-8")
        except UnicodeDecodeError:
            return None
        if char in _DECODE_URI_RESERVED:
            pieces.append(run[pos * 3 : pos * 3 + 3])
        else:
            pieces.append(char)
        pos += width
    return "".join(pieces)


def parse_markdown_destination(destination: str) -> LinkText | None:
    """A Markdown link destination as Obsidian reads it, or None when it is not a vault link."""
    if not destination or is_external(destination):
        return None
    decoded = decode_uri(destination)
    if decoded is None:
        return None
    target = clean(decoded)
    linkpath, subpath = split_subpath(target)
    return LinkText(linkpath=linkpath, subpath=subpath, display=None)


_IMAGE_SIZE = re.compile(r"^([0-9]+)(?:x([0-9]+))?$")


def embed_size(display: str | None) -> tuple[str | None, int | None, int | None]:
    """An embed's display slot as (alt text, width, height) (spec 1.1 item 15).

    `![[img.png|100]]`, `![[img.png|100x145]]`: a size. The size is the part after the last
    `|`; what comes before it is alt text (`![[img.png|alt|200]]`). Anything else is alt text.
    """
    if display is None:
        return None, None, None
    head, pipe, last = display.rpartition("|")
    size = _IMAGE_SIZE.match(last.strip())
    if size is None:
        return display, None, None
    height = int(size.group(2)) if size.group(2) else None
    return (head.strip() if pipe else None), int(size.group(1)), height
