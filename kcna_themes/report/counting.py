"""Count articles per theme for each period (and outlet), and fill the gaps with zero rows."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date

import numpy as np

from .periods import PERIODS, UNDATED, period_key, period_range, period_start
from .reading import TaggedArticle
from .rows import ReportRow, count_row


def score_and_tag_matrices(articles: Sequence[TaggedArticle], themes: Sequence[str]
                           ) -> tuple[np.ndarray, np.ndarray]:
    """(articles x themes) stored scores (float) and stored tags (bool)."""
    shape = (len(articles), len(themes))
    scores = np.array([[a.scores[t] for t in themes] for a in articles], dtype=float).reshape(shape)
    stored = np.array([[t in a.themes for t in themes] for a in articles], dtype=bool).reshape(shape)
    return scores, stored


def effective_tags(articles: Sequence[TaggedArticle], themes: Sequence[str],
                   cutoffs: Mapping[str, float] | None = None) -> np.ndarray:
    """(articles x themes) booleans: stored tags, or ``score >= cut-off`` for re-cut themes."""
    scores, tags = score_and_tag_matrices(articles, themes)
    for j, theme in enumerate(themes):
        if cutoffs and theme in cutoffs:
            tags[:, j] = scores[:, j] >= cutoffs[theme]
    return tags


def row_key(article: TaggedArticle, by: str, by_source: bool) -> tuple[str, str | None]:
    """The (period, source) row an article belongs to; source is None without ``--by-source``."""
    return period_key(article.published, by), article.source if by_source else None


def _sort_key(by: str):
    def key(row: ReportRow):
        dated = row.period != UNDATED
        start = period_start(row.period, by) if dated else date.max
        return (not dated, start, row.source or "")
    return key


def count_themes(articles: Sequence[TaggedArticle], themes: Sequence[str], by: str = "month",
                 by_source: bool = False, cutoffs: Mapping[str, float] | None = None,
                 copies: Sequence[TaggedArticle] | None = None) -> list[ReportRow]:
    """Count articles per theme for each (period[, source]) that has articles.

    Multi-label: an article counts once for each of its themes, and in ``none``
    when it has no theme, so theme shares need not add up to 1. Rows are sorted
    by period (undated last), then source; empty periods are added by
    ``fill_empty_periods``.

    ``copies`` (see ``duplicates.split_duplicates``) are the duplicate copies,
    tallied per row in ``duplicates``; whether they are also among ``articles``
    (``--keep-duplicates``) or set aside is the caller's choice. None means the
    input carries no duplicate marking, and the rows have no such column.
    """
    if by not in PERIODS:
        raise ValueError(f"unknown period {by!r} (one of {', '.join(PERIODS)})")
    tags = effective_tags(articles, themes, cutoffs)
    keys = [row_key(a, by, by_source) for a in articles]
    copy_keys = [row_key(a, by, by_source) for a in copies or ()]
    index: dict[tuple, int] = {}
    group = np.array([index.setdefault(k, len(index)) for k in keys], dtype=np.intp)
    copy_group = np.array([index.setdefault(k, len(index)) for k in copy_keys], dtype=np.intp)
    g = len(index)
    n = np.bincount(group, minlength=g)
    counts = np.zeros((g, len(themes)), dtype=np.int64)
    np.add.at(counts, group, tags.astype(np.int64))
    n_none = np.bincount(group, weights=~tags.any(axis=1), minlength=g).astype(np.int64)
    n_copies = np.bincount(copy_group, minlength=g)
    rows = [count_row(period, source, n[i], counts[i], n_none[i], themes,
                      duplicates=None if copies is None else int(n_copies[i]))
            for (period, source), i in index.items()]
    return sorted(rows, key=_sort_key(by))


def fill_empty_periods(rows: Sequence[ReportRow], themes: Sequence[str], by: str) -> list[ReportRow]:
    """Add zero rows for periods without articles between the first and last period.

    A gap in a time series reads as "nothing happened" in a chart anyway; a zero
    row (n = 0) says so explicitly and keeps every outlet on the same calendar.
    With sources, every source gets every period of the overall range.
    """
    with_source = bool(rows) and rows[0].source is not None
    with_duplicates = bool(rows) and rows[0].duplicates is not None
    present = {(r.period, r.source) for r in rows}
    dated = sorted({r.period for r in rows if r.period != UNDATED}, key=lambda k: period_start(k, by))
    sources: list[str | None] = [None]
    if with_source:
        sources = list(sorted({r.source for r in rows if r.source is not None}))
    out = list(rows)
    if dated:
        for period in period_range(dated[0], dated[-1], by):
            for source in sources:
                if (period, source) not in present:
                    out.append(count_row(period, source, 0, [0] * len(themes), 0, themes,
                                         duplicates=0 if with_duplicates else None))
    return sorted(out, key=_sort_key(by))
