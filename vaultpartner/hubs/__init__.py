"""Topic hubs and related-topic links kept consistent (issue 7).

Configuration, in `vaultpartner.toml`::

    [hubs]
    # One rule per line; each has `hub` (the hub note as a link path from the vault root) and
    # exactly one membership criterion:
    #   type = "recruiter"     frontmatter `type` equals it (case-insensitive)
    #   tag = "hr"             a frontmatter tag equals it or is nested below it (hr/it)
    #   folder = "Карьера/"    the note lies in that folder or below
    #   links_to_hub = true    the note links the hub (links inside generated blocks excluded)
    # and optionally require_link = true: members must link their hub in their
    # related-topics section (added by `fix`, never twice).
    rules = [
      { hub = "Рекрутинг", type = "recruiter", require_link = true },
      { hub = "HR", tag = "hr" },
      { hub = "Карьера", folder = "Карьера/" },
      { hub = "Собеседования", links_to_hub = true },
    ]
    symmetric_related = false        # opt-in: A lists B in its section => B lists A
    related_headings = ["Связанные темы", "Related"]
    hub_template = "hub.md.j2"       # for `fix --create-missing`

`[[hubs.rules]]` array-of-tables syntax is read the same way. Several rules may name one hub:
its members are the union. Tags are frontmatter tags (inline `#tags` are not in the index).

What happens:

- A hub note gets a generated list of its members between `%% vaultpartner:begin hub %%` and
  `%% vaultpartner:end hub %%` (each marker alone on its line; Obsidian hides `%%` comments
  in reading view): one `- [[link]]` per line, the path from `links.choose_link_path` so it
  opens the member from the hub, sorted as a reader expects (case-insensitive, ё beside е).
  Only the text between the markers is replaced; the block may sit anywhere in the note and
  is appended at the end (in the note's line endings) when missing and there are members.
  Damaged markers (one missing, nested, duplicated, out of order, or not alone on their line)
  and any other text inside the block are reported (`hub-block-damaged`) and nothing is
  written to that note.
- `require_link`: a member with no link (anywhere in the note) to its hub gets `- [[Hub]]`
  in its related-topics section (the first heading named like one of `related_headings`,
  any level), which is created at the end when missing (`hub-link-missing`).
- `symmetric_related`: a related-topics link A -> B makes B list A (`related-asymmetric`).
  A pair that was two-way at the last run (`previous_pairs`) and is one-way now was removed
  by the user on one side: the other side's list line is removed too, never restored. A hub
  and its member are the hub rules' business, not symmetry's (the block lists the member).
- A link in a related-topics section to a note that does not exist is a `missing-topic`
  (info), which replaces the audit's `broken-link` for that link (typos with a near miss and
  alias links stay the audit's). `fix --create-missing` creates it from `hub.md.j2` where
  Obsidian would (see `topics.creation_path`), listing the notes that link it as related.
"""

from __future__ import annotations

from vaultpartner.hubs.model import (
    HubProblem,
    HubResult,
    HubRule,
    NewFileLocation,
    Pair,
    hub_rules,
)
from vaultpartner.hubs.planner import HubRenderer, heading_for, missing_topic_links, plan_hubs
from vaultpartner.hubs.text import BEGIN, END, find_block, reader_key
from vaultpartner.hubs.topics import creation_path

__all__ = [
    "BEGIN",
    "END",
    "HubProblem",
    "HubRenderer",
    "HubResult",
    "HubRule",
    "NewFileLocation",
    "Pair",
    "creation_path",
    "find_block",
    "heading_for",
    "hub_rules",
    "missing_topic_links",
    "plan_hubs",
    "reader_key",
]
