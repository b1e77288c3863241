"""The articles behind each number of a report: for every row and theme, the
highest-scoring articles tagged with it, so a reader can check a count.

Capped per cell (``limit``) to keep an HTML report of a year under a few MB;
the count in the table is always the full count, and the page says so.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from .counting import effective_tags, row_key
from .reading import TaggedArticle

DEFAULT_LIMIT = 50


@dataclass(frozen=True)
class CellArticle:
    """One article listed under a (period, source, theme) cell."""

    title: str
    published: str  # ISO date, or "" when undated
    source: str
    score: float
    link: str  # url when the record has one, else the capture's path
    id: str


def cell_key(period: str, source: str | None, theme: str) -> str:
    """The key of a cell in ``cell_articles``' result (and in the HTML page's data)."""
    return f"{period}\x1f{source or ''}\x1f{theme}"


def cell_articles(articles: Sequence[TaggedArticle], themes: Sequence[str], *, by: str = "month",
                  by_source: bool = False, cutoffs: Mapping[str, float] | None = None,
                  limit: int = DEFAULT_LIMIT) -> dict[str, list[CellArticle]]:
    """``cell_key -> articles`` for every cell with at least one article, highest score
    first (ties by date, then id), at most ``limit`` each.

    ``articles`` must be the ones the report counted (after setting duplicates
    aside) and ``cutoffs`` the same, so each list matches its count.
    """
    tags = effective_tags(articles, themes, cutoffs)
    cells: dict[str, list[TaggedArticle]] = {}
    for i, article in enumerate(articles):
        period, source = row_key(article, by, by_source)
        for j, theme in enumerate(themes):
            if tags[i, j]:
                cells.setdefault(cell_key(period, source, theme), []).append(article)
    out = {}
    for key, members in cells.items():
        theme = key.rsplit("\x1f", 1)[1]
        members.sort(key=lambda a: (-a.scores[theme], a.published.isoformat() if a.published else "", a.id))
        out[key] = [CellArticle(title=a.title, published=a.published.isoformat() if a.published else "",
                                source=a.source, score=a.scores[theme], link=a.link, id=a.id)
                    for a in members[:limit]]
    return out
