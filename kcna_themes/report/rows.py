"""The typed rows of a report: one ``ReportRow`` per period (and outlet).

A row holds its numbers by meaning (``row.themes["leader"].share``), not by
column position; ``columns()`` flattens it into the table's columns, in the
one order every format uses::

    period, [source], n, per theme (model order): <theme>, <theme>_share
    [, <theme>_adjusted, <theme>_low, <theme>_high], none, none_share [, duplicates]

The adjusted columns appear when the report was adjusted (``--adjust``);
``duplicates`` appears when the input carries the tagger's duplicate marking.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

# Column names a theme may not take, or the table would be ambiguous.
RESERVED_COLUMNS = frozenset({"period", "source", "n", "none", "duplicates"})


@dataclass(frozen=True)
class ThemeCell:
    """One theme in one row: how many articles carry it, and its share of the row's n.

    ``adjusted``/``low``/``high`` are the ACC estimate and its interval; None when
    the theme cannot be adjusted (or the row is empty).
    """

    count: int
    share: float
    adjusted: float | None = None
    low: float | None = None
    high: float | None = None


@dataclass(frozen=True)
class ReportRow:
    """Counts of one period (and outlet, with ``--by-source``).

    ``duplicates`` is how many copies of stories already counted fell in this
    row: set aside from ``n`` by default, included with ``--keep-duplicates``.
    None when the input carries no duplicate marking (files from older taggers).
    """

    period: str
    source: str | None
    n: int
    themes: dict[str, ThemeCell]  # model order
    none: int
    adjusted: bool = False  # whether ACC was run, so the adjusted columns exist
    duplicates: int | None = None

    @property
    def none_share(self) -> float:
        return self.none / self.n if self.n else 0.0

    def with_adjustment(self, cells: Mapping[str, ThemeCell]) -> ReportRow:
        """A copy with the themes' cells replaced by their adjusted versions."""
        return replace(self, themes={t: cells.get(t, c) for t, c in self.themes.items()}, adjusted=True)

    def columns(self) -> dict[str, Any]:
        """The row as ``column -> value`` in table order (see the module docstring)."""
        out: dict[str, Any] = {"period": self.period}
        if self.source is not None:
            out["source"] = self.source
        out["n"] = self.n
        for theme, cell in self.themes.items():
            out[theme] = cell.count
            out[f"{theme}_share"] = cell.share
            if self.adjusted:
                out[f"{theme}_adjusted"] = cell.adjusted
                out[f"{theme}_low"] = cell.low
                out[f"{theme}_high"] = cell.high
        out["none"] = self.none
        out["none_share"] = self.none_share
        if self.duplicates is not None:
            out["duplicates"] = self.duplicates
        return out

    @classmethod
    def from_columns(cls, columns: Mapping[str, Any]) -> ReportRow:
        """The inverse of ``columns()``: rebuild a row from a table's flat record
        (e.g. a line of ``report --format json``). Themes are the ``*_share``
        columns other than ``none_share``, in column order."""
        themes = [k[: -len("_share")] for k in columns if k.endswith("_share") and k != "none_share"]
        adjusted = any(f"{t}_adjusted" in columns for t in themes)
        cells = {t: ThemeCell(int(columns[t]), float(columns[f"{t}_share"]),
                              columns.get(f"{t}_adjusted"), columns.get(f"{t}_low"), columns.get(f"{t}_high"))
                 for t in themes}
        duplicates = columns.get("duplicates")
        return cls(period=str(columns["period"]), source=columns.get("source"), n=int(columns["n"]),
                   themes=cells, none=int(columns["none"]), adjusted=adjusted,
                   duplicates=None if duplicates is None else int(duplicates))


def count_row(period: str, source: str | None, n: int, counts, n_none: int, themes,
              duplicates: int | None = None) -> ReportRow:
    """A row from raw counts (shares are count / n; 0 for an empty row)."""
    n = int(n)
    cells = {t: ThemeCell(int(c), int(c) / n if n else 0.0) for t, c in zip(themes, counts)}
    return ReportRow(period=period, source=source, n=n, themes=cells, none=int(n_none), duplicates=duplicates)
