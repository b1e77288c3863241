"""CSV cells that a spreadsheet will not run as formulas (CSV injection).

Ids, titles, sources and paths come from the articles, that is from whoever
wrote the page. A cell beginning with ``=``, ``+``, ``-`` or ``@`` (or a tab or
carriage return) is taken for a formula by Excel, LibreOffice and Google
Sheets when the file is opened, and a formula can fetch URLs or run commands.
Every CSV this package writes passes its text cells through ``neutralise_cell``,
which does what OWASP recommends: prefix such a cell with a single quote, so
the spreadsheet shows it as text. Numbers are not text cells and pass unchanged.

The prefix is undone by ``restore_cell`` where the package reads its own CSV
back (``tag --resume``, ``report``): a cell that already begins with quotes
before a trigger character gets one more quote, so that restoring is exact
for every value.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def _needs_quote(text: str) -> bool:
    return text.lstrip("'").startswith(FORMULA_TRIGGERS)


def neutralise_cell(value):
    """``value`` as a CSV cell that no spreadsheet evaluates: ``'=1+1`` for ``=1+1``.

    Non-strings (numbers, None) are returned unchanged.
    """
    if isinstance(value, str) and _needs_quote(value):
        return "'" + value
    return value


def restore_cell(value):
    """The value ``neutralise_cell`` was given: the inverse, for this package's own CSV."""
    if isinstance(value, str) and value.startswith("'") and _needs_quote(value):
        return value[1:]
    return value


def restore_rows(rows: Iterable[tuple[int, object]]) -> Iterator[tuple[int, object]]:
    """(line, row dict) pairs with every cell restored; anything else (a reader's error) passes."""
    for line, row in rows:
        yield line, ({k: restore_cell(v) for k, v in row.items()} if isinstance(row, dict) else row)
