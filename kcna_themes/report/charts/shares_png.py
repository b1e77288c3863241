"""The PNG chart of theme shares over the periods (matplotlib, no pyplot)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from ...atomic import atomic_write
from ...errors import KcnaThemesError
from ..periods import UNDATED
from ..rows import ReportRow
from .colours import theme_colours

_NICE_STEPS = {
    "day": (1, 2, 7, 14, 28, 91, 182, 364, 728, 1820),
    "week": (1, 2, 4, 13, 26, 52, 104, 260),
    "month": (1, 2, 3, 6, 12, 24, 60, 120),
    "quarter": (1, 2, 4, 8, 20, 40),
    "year": (1, 2, 5, 10, 20, 50, 100),
}
MAX_TICK_LABELS = 20


def _tick_positions(periods: Sequence[str], by: str) -> list[int]:
    """Indices of the periods to label: at most ``MAX_TICK_LABELS``, on calendar steps.

    Monthly steps that divide a year start in January (quarterly: Q1), so the
    labels read as years rather than arbitrary months.
    """
    count = len(periods)
    steps = _NICE_STEPS.get(by, (1,))
    step = next((s for s in steps if math.ceil(count / s) <= MAX_TICK_LABELS), None)
    if step is None:
        step = math.ceil(count / MAX_TICK_LABELS)
    if step == 1:
        return list(range(count))
    if by == "month" and 12 % step == 0 or by == "month" and step % 12 == 0:
        phase = [(int(p[5:7]) - 1) % min(step, 12) == 0 for p in periods]
        aligned = [i for i, ok in enumerate(phase) if ok]
        return aligned[:: max(1, step // 12)] if step >= 12 else aligned
    if by == "quarter" and (4 % step == 0 or step % 4 == 0):
        aligned = [i for i, p in enumerate(periods) if (int(p[-1]) - 1) % min(step, 4) == 0]
        return aligned[:: max(1, step // 4)] if step >= 4 else aligned
    return list(range(0, count, step))


def _isolated(y: np.ndarray) -> list[int]:
    """Indices of values with no neighbour value (gaps both sides): a line alone would hide them."""
    present = ~np.isnan(y)
    before = np.concatenate([[False], present[:-1]])
    after = np.concatenate([present[1:], [False]])
    return np.flatnonzero(present & ~before & ~after).tolist()


def share_figure(rows: Sequence[ReportRow], themes: Sequence[str], *, by: str = "month",
                 adjusted: bool | None = None, title: str | None = None):
    """Build (but do not save) the matplotlib Figure of theme shares over the periods.

    One line per theme, in its fixed colour; with ACC values, the adjusted
    share with its interval shaded (a theme that cannot be adjusted is drawn
    dashed from its raw share, and its legend says so). The ``undated`` row is
    left out (it has no place on a time axis) and periods with no articles are
    gaps, not zeros (a point between two gaps gets a marker so it stays visible).
    With rows per outlet, one subplot per outlet, sharing
    both axes. Uses the Agg canvas directly, never pyplot's global state.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import PercentFormatter

    dated = [r for r in rows if r.period != UNDATED]
    if not dated:
        raise KcnaThemesError("nothing to plot: no dated articles")
    if adjusted is None:
        adjusted = dated[0].adjusted
    periods = list(dict.fromkeys(r.period for r in dated))
    position = {p: i for i, p in enumerate(periods)}
    with_source = dated[0].source is not None
    sources: list[str | None] = [None]
    if with_source:
        sources = list(sorted({r.source for r in dated if r.source is not None}))
    colours = theme_colours(themes)

    width = min(18.0, max(8.0, 4.0 + 0.12 * len(periods)))
    height = 4.5 if len(sources) == 1 else 1.0 + 2.6 * len(sources)
    fig = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(len(sources), 1, sharex=True, sharey=True, squeeze=False)[:, 0]
    mark_all = len(periods) <= 30  # beyond that markers clutter; only isolated points get one
    ticks = _tick_positions(periods, by)

    handles: dict[str, Any] = {}
    top = 0.0
    for ax, source in zip(axes, sources):
        mine = [r for r in dated if source is None or r.source == source]
        x = np.array([position[r.period] for r in mine], dtype=float)
        empty = np.array([r.n == 0 for r in mine])
        for theme in themes:
            colour = colours[theme]
            can_adjust = adjusted and any(r.themes[theme].adjusted is not None for r in mine)
            def series(field, mine=mine, empty=empty, theme=theme):
                values = [getattr(r.themes[theme], field) for r in mine]
                return np.array([np.nan if (e or v is None) else v for v, e in zip(values, empty)], dtype=float)
            if can_adjust:
                y = series("adjusted")
                band_top = series("high")
                ax.fill_between(x, series("low"), band_top, color=colour, alpha=0.15, linewidth=0)
                label = theme
                style = "-"
            else:
                y = band_top = series("share")
                label = f"{theme} (raw, not adjustable)" if adjusted else theme
                style = "--" if adjusted else "-"
            top = max(top, np.nanmax(y, initial=0.0), np.nanmax(band_top, initial=0.0))
            (line,) = ax.plot(x, y, style, color=colour, marker="o", markersize=3, linewidth=1.6, label=label,
                              markevery=None if mark_all else _isolated(y))
            handles.setdefault(label, line)
        if source is not None:
            ax.set_title(source, fontsize=10, loc="left")
        ax.set_ylabel("share of articles")
        ax.yaxis.set_major_formatter(PercentFormatter(xmax=1.0))
        ax.grid(True, axis="y", alpha=0.3)
    # Set once all panels are drawn: a shared y axis fixed earlier would cut off later panels.
    axes[0].set_ylim(0.0, min(1.0, top * 1.08) if top > 0 else 0.05)
    bottom = axes[-1]
    bottom.set_xticks(ticks, [periods[i] for i in ticks], rotation=45 if len(ticks) > 6 else 0,
                      ha="right" if len(ticks) > 6 else "center")
    bottom.set_xlim(-0.5, len(periods) - 0.5)
    bottom.set_xlabel(f"period ({by})")
    if title is None:
        what = "Adjusted share of articles per theme" if adjusted else "Share of articles per theme"
        title = f"{what}, by {by}" + (" and outlet" if with_source else "")
        if adjusted:
            title += " (shaded: 90% interval)"
    fig.suptitle(title)
    fig.legend(list(handles.values()), list(handles), loc="outside right center", title="theme")
    return fig


def plot_shares(rows: Sequence[ReportRow], themes: Sequence[str], path, *, by: str = "month",
                adjusted: bool | None = None, title: str | None = None) -> None:
    """Draw ``share_figure`` and write it as PNG atomically (no half-written chart)."""
    fig = share_figure(rows, themes, by=by, adjusted=adjusted, title=title)
    with atomic_write(path, mode="wb") as fh:
        fig.savefig(fh, format="png", dpi=120)
