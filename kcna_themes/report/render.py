"""The report table as text: CSV (plain numbers), JSON (a list of objects) or Markdown."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence

from ..csvsafe import neutralise_cell
from .rows import ReportRow


def _plain(value):
    if isinstance(value, float):
        return round(value, 6)
    return value


def _pct(value) -> str:
    return "n/a" if value is None else f"{100 * value:.1f}%"


def _md_cell(text) -> str:
    return str(text).replace("|", "\\|")


def duplicates_note(rows: Sequence[ReportRow], keep_duplicates: bool = False) -> str | None:
    """One sentence on duplicate copies for the reader, or None when the input carries no marking."""
    if not rows or rows[0].duplicates is None:
        return None
    total = sum(r.duplicates or 0 for r in rows)
    copies = f"{total} duplicate {'copy' if total == 1 else 'copies'}"
    if keep_duplicates:
        return f"{copies} of stories already counted are included (--keep-duplicates): every copy counts."
    return (f"{copies} of stories already counted set aside: each story counted once "
            "(--keep-duplicates counts every copy).")


def _markdown(rows: Sequence[ReportRow], keep_duplicates: bool) -> str:
    first = rows[0]
    names = list(first.themes)
    head = ["period"] + (["source"] if first.source is not None else []) + ["n"]
    align = ["---"] * len(head[:-1]) + ["---:"]
    for name in names:
        head.append(name)
        align.append("---:")
        if first.adjusted:
            head.append(f"{name} adjusted (90% interval)")
            align.append("---:")
    head.append("none")
    align.append("---:")
    if first.duplicates is not None:
        head.append("duplicates")
        align.append("---:")
    lines = ["| " + " | ".join(head) + " |", "| " + " | ".join(align) + " |"]
    for row in rows:
        cells = [row.period] + ([row.source] if row.source is not None else []) + [row.n]
        for name in names:
            cell = row.themes[name]
            cells.append(f"{cell.count} ({100 * cell.share:.1f}%)" if row.n else f"{cell.count} (–)")
            if row.adjusted:
                cells.append("n/a" if cell.adjusted is None else
                             f"{_pct(cell.adjusted)} ({_pct(cell.low)}–{_pct(cell.high)})")
        cells.append(f"{row.none} ({100 * row.none_share:.1f}%)" if row.n else f"{row.none} (–)")
        if row.duplicates is not None:
            cells.append(row.duplicates)
        lines.append("| " + " | ".join(_md_cell(c) for c in cells) + " |")
    note = duplicates_note(rows, keep_duplicates)
    return "\n".join(lines) + "\n" + (f"\n{note}\n" if note else "")


def render(rows: Sequence[ReportRow], fmt: str = "markdown", keep_duplicates: bool = False) -> str:
    """The rows as ``csv`` (plain numbers), ``json`` (a list of objects) or ``markdown``.

    Markdown is for reading: each theme cell shows ``count (share%)``, and the
    adjusted share with its interval in one extra cell per theme; a last line
    says how many duplicate copies were set aside. Missing values (no
    adjustment possible) are empty in CSV and null in JSON.
    """
    if fmt == "json":
        return json.dumps([{k: _plain(v) for k, v in r.columns().items()} for r in rows],
                          indent=2, ensure_ascii=False) + "\n"
    if not rows:
        return ""
    if fmt == "csv":
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow([neutralise_cell(c) for c in rows[0].columns()])
        for r in rows:
            writer.writerow(["" if v is None else neutralise_cell(_plain(v)) for v in r.columns().values()])
        return buf.getvalue()
    if fmt == "markdown":
        return _markdown(rows, keep_duplicates)
    raise ValueError(f"unknown format {fmt!r} (csv, json or markdown)")
