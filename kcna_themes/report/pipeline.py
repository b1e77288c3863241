"""``build_report``: the rows of a report from tagged articles, in one call."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from .adjustment import ThemeRates, adjusted_shares
from .counting import count_themes, fill_empty_periods
from .duplicates import is_marked, split_duplicates
from .periods import check_period_span
from .reading import TaggedArticle
from .rows import ReportRow


def build_report(articles: Sequence[TaggedArticle], themes: Sequence[str], *, by: str = "month",
                 by_source: bool = False, cutoffs: Mapping[str, float] | None = None,
                 rates: Mapping[str, ThemeRates] | None = None, n_resamples: int = 1000,
                 seed: int = 0, keep_duplicates: bool = False) -> list[ReportRow]:
    """Rows of the report: counts, zero rows for gaps, and ACC values when ``rates`` is given.

    Each story is counted once (see ``duplicates``) unless ``keep_duplicates``;
    either way, when the input carries the marking, each row says how many
    copies fell in it. Refuses (``ReportOptionError``) a range of periods far
    beyond the data's real span (see ``periods.check_period_span``).
    """
    check_period_span([a.published for a in articles], by,
                      len({a.source for a in articles}) if by_source else 1)
    copies: list[TaggedArticle] | None = None
    if is_marked(articles):
        counted, copies = split_duplicates(articles)
        if not keep_duplicates:
            articles = counted
    rows = fill_empty_periods(count_themes(articles, themes, by, by_source, cutoffs, copies=copies), themes, by)
    if rates is not None:
        rows = adjusted_shares(rows, themes, rates, n_resamples=n_resamples, seed=seed)
    return rows
