"""Hypothesis strategies and helpers shared by the property tests.

The settings profile is registered here but never loaded globally: tests pass `PROFILE` (or a
child of it) to `@settings`, so importing this module does not change other tests.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from vaultpartner.linktext import LinkText

settings.register_profile(
    "vaultpartner",
    derandomize=True,  # the same examples on every run: CI stays stable
    database=None,
    deadline=None,
    max_examples=100,
    print_blob=False,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
PROFILE = settings.get_profile("vaultpartner")

# -- link pieces ---------------------------------------------------------------------------------

# Letters a file name may hold: Latin, Cyrillic (incl. Ё/ё), precomposed accents, digits and the
# harmless punctuation of real note names. No '#', '|', '[', ']', '\\', '^' handling needed.
NAME_CHARS = "abcXYZ" + "АБВгдеёЁжЯяйЙ" + "éÉüß" + "0129" + " -_.(),'&+!"
HEADING_CHARS = "abcXYZ" + "ЭтапыНайм" + "019" + " -_.,:?!'#"
DISPLAY_CHARS = "abcXYZ" + "наймЁ" + "019" + " -_.,:?!'#|/"
BLOCK_ID_CHARS = "abcxyz019-"


def _trimmed(alphabet: str, *, min_size: int, max_size: int) -> st.SearchStrategy[str]:
    return (
        st.text(alphabet=alphabet, min_size=min_size, max_size=max_size)
        .map(str.strip)
        .filter(lambda text: len(text) >= min_size)
    )


name_segments = _trimmed(NAME_CHARS, min_size=1, max_size=12)

linkpaths = st.lists(name_segments, min_size=0, max_size=3).map("/".join)

subpaths = st.one_of(
    st.just(""),
    _trimmed(HEADING_CHARS, min_size=0, max_size=15).map(lambda heading: "#" + heading),
    st.text(alphabet=BLOCK_ID_CHARS, min_size=1, max_size=8).map(lambda block: "#^" + block),
)

displays = st.one_of(st.none(), _trimmed(DISPLAY_CHARS, min_size=0, max_size=15))


@dataclass(frozen=True)
class WikiSpec:
    """Everything needed to write one wikilink, and what parsing it must give back."""

    linkpath: str
    subpath: str
    display: str | None
    escape_pipe: bool  # `\|` (table form) instead of `|`
    embed: bool
    pad: bool  # spaces inside the brackets and around the pipe

    @property
    def expected(self) -> LinkText:
        return LinkText(self.linkpath, self.subpath, self.display)


def format_wikilink(spec: WikiSpec) -> str:
    """Write `[[linkpath#subpath|display]]` as a user would."""
    space = " " if spec.pad else ""
    content = spec.linkpath + spec.subpath
    if spec.display is not None:
        pipe = "\\|" if spec.escape_pipe else "|"
        content = f"{content}{space}{pipe}{space}{spec.display}"
    return f"{'!' if spec.embed else ''}[[{space}{content}{space}]]"


@st.composite
def wiki_specs(draw: st.DrawFn) -> WikiSpec:
    linkpath = draw(linkpaths)
    subpath = draw(subpaths)
    if not linkpath and not subpath:  # `[[]]` and `[[|x]]` are not links of this shape
        linkpath = draw(name_segments)
    return WikiSpec(
        linkpath=linkpath,
        subpath=subpath,
        display=draw(displays),
        escape_pipe=draw(st.booleans()),
        embed=draw(st.booleans()),
        pad=draw(st.booleans()),
    )


def nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


# -- whole notes ---------------------------------------------------------------------------------

WORDS = ("alpha", "beta", "Работа", "найм", "x", "42", "C#", "a*b*", "_u_", "!", "(p)", "%")


@st.composite
def inline_text(draw: st.DrawFn, *, max_links: int = 3) -> str:
    """One line of prose with links, code spans, math, comments and escapes mixed in."""
    pieces = [draw(st.sampled_from(WORDS))]
    for _ in range(draw(st.integers(0, 6))):
        kind = draw(st.integers(0, 9))
        if kind < 3 and max_links:
            pieces.append(format_wikilink(draw(wiki_specs())))
        elif kind == 3:
            name = draw(name_segments).replace(" ", "%20").replace("(", "").replace(")", "")
            pieces.append(f"[{draw(st.sampled_from(WORDS))}]({name}.md)")
        elif kind == 4:
            pieces.append(f"`code {format_wikilink(draw(wiki_specs()))}`")
        elif kind == 5:
            pieces.append("$x^2 [[InMath]]$")
        elif kind == 6:
            pieces.append(f"%%{format_wikilink(draw(wiki_specs()))}%%")
        elif kind == 7:
            pieces.append(draw(st.sampled_from(["\\[[not]]", "\\`", "\\$", "[", "]", "`", "$"])))
        else:
            pieces.append(draw(st.sampled_from(WORDS)))
    return " ".join(pieces)


@st.composite
def body_blocks(draw: st.DrawFn) -> str:
    kind = draw(st.integers(0, 8))
    line = draw(inline_text())
    if kind == 0:
        return f"{'#' * draw(st.integers(1, 6))} {line}"
    if kind == 1:
        return "\n".join(f"- {draw(inline_text())}" for _ in range(draw(st.integers(1, 3))))
    if kind == 2:
        return f"> {line}\n> {draw(inline_text())}"
    if kind == 3:
        return f"```\n{line}\n```"
    if kind == 4:
        return f"| h | {line} |\n|---|---|\n| {draw(inline_text())} | c |"
    if kind == 5:
        return f"$$\n{line}\n$$"
    if kind == 6:
        return f"    {line}"
    return f"{line}\n{draw(inline_text())}"


@dataclass(frozen=True)
class NoteText:
    text: str  # decoded, without BOM
    data: bytes  # the file's bytes


@st.composite
def whole_notes(draw: st.DrawFn) -> NoteText:
    parts: list[str] = []
    if draw(st.booleans()):
        target = format_wikilink(draw(wiki_specs()))
        quoted = target.replace("\\", "\\\\").replace('"', '\\"')
        parts.append(f'---\nrelated: "{quoted}"\nlist:\n  - "[[Other]]"\ntitle: x\n---')
    parts.extend(draw(st.lists(body_blocks(), min_size=1, max_size=6)))
    text = "\n\n".join(parts) + draw(st.sampled_from(["", "\n"]))
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    text = text.replace("\n", newline)
    bom = "\ufeff" if draw(st.booleans()) else ""
    return NoteText(text, (bom + text).encode("utf-8"))
