"""The one-line definition of each codebook theme, read from the codebook the package ships.

The labelling page shows each theme beside its definition. The definitions are the
second column of the theme table in ``kcna_themes/codebook.md`` (what ``kcna-themes
codebook`` prints), so the page and the codebook cannot drift apart. A theme the
codebook does not define (one the user added) is shown as "(your theme)".
"""

from __future__ import annotations

import re
from functools import lru_cache
from importlib.resources import files

YOUR_THEME = "(your theme)"
_ROW = re.compile(r"^\|\s*`([a-z][a-z0-9_-]*)`\s*\|\s*([^|]+?)\s*\|")


@lru_cache(maxsize=1)
def codebook_definitions() -> dict[str, str]:
    """theme -> what an article is mainly about to carry it, from the codebook's table."""
    text = files("kcna_themes").joinpath("codebook.md").read_text(encoding="utf-8")
    return {m.group(1): m.group(2) for line in text.splitlines() if (m := _ROW.match(line))}


def definition(theme: str) -> str:
    return codebook_definitions().get(theme, YOUR_THEME)
