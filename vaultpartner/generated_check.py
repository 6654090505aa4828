"""The last check before a generated note is written: its frontmatter has exactly the intended keys.

A second, independent YAML reader (python-frontmatter, over PyYAML's safe loader) parses the
rendered text, so a template or a value that injected a key, broke the YAML or dropped the
frontmatter is caught before anything reaches the vault. This is the only user of
python-frontmatter.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

import frontmatter

from vaultpartner.render import TemplateError


def check_frontmatter(
    name: str, text: str, keys: Collection[str], fixed: Mapping[str, object] | None = None
) -> dict[str, Any]:
    """The parsed frontmatter; TemplateError unless its keys are exactly `keys`.

    `fixed` values (e.g. generated_by: vaultpartner) must also match exactly.
    """
    if not text.startswith("---\n"):
        raise TemplateError(f"template {name}: the note must start with frontmatter (---)")
    try:
        metadata: dict[str, Any] = dict(frontmatter.loads(text).metadata)
    except Exception as exc:  # YAML errors of every kind: the note is not written
        raise TemplateError(f"template {name}: its frontmatter is not valid YAML ({exc})") from exc
    found, wanted = set(metadata), set(keys)
    if found != wanted:
        extra = ", ".join(sorted(map(str, found - wanted))) or "none"
        missing = ", ".join(sorted(wanted - found)) or "none"
        raise TemplateError(
            f"template {name}: unexpected frontmatter keys (extra: {extra}; missing: {missing})",
            hint="generated notes carry exactly the documented keys",
        )
    for key, value in (fixed or {}).items():
        if metadata.get(key) != value:
            raise TemplateError(f"template {name}: frontmatter {key} must be {value!r}")
    return metadata
