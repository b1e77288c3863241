"""Periods of a report: labels (``2011-02``, ``2011-W05``, ``2011-Q1`` ...), their
first days, every period between two (so gaps show as zero rows), and the
bounds that keep one mistyped date from making a report of a million rows."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

from ..errors import ReportOptionError

PERIODS = ("day", "week", "month", "quarter", "year", "all")
UNDATED = "undated"

# No outlet this tool reads existed before 1945 (Rodong Sinmun and the radio
# that became Voice of Korea began that year; KCNA in 1946), and nothing is
# published in the future: a date outside these bounds is a typing or parsing
# error (0001-01-01, 9999-12-31), and the record is skipped naming it.
EARLIEST_PLAUSIBLE = date(1945, 1, 1)
FUTURE_MARGIN = timedelta(days=366)  # clocks and time zones; a year is generous
# Beyond this many rows a table is no longer a report; it also bounds --adjust's
# bootstrap memory. 80 years by day is about 29,000 rows.
MAX_REPORT_ROWS = 100_000


def latest_plausible(today: date | None = None) -> date:
    """The last date an article can carry: today plus a margin."""
    return (today or date.today()) + FUTURE_MARGIN


def is_plausible(published: date, today: date | None = None) -> bool:
    """Whether a publication date can be real (see ``EARLIEST_PLAUSIBLE``)."""
    return EARLIEST_PLAUSIBLE <= published <= latest_plausible(today)


def period_count(first: date, last: date, by: str) -> int:
    """How many periods ``period_range`` lists from ``first``'s period to ``last``'s,
    computed without listing them."""
    if by == "all":
        return 1
    if by == "day":
        return (last - first).days + 1
    if by == "week":
        return (period_start(period_key(last, by), by) - period_start(period_key(first, by), by)).days // 7 + 1
    if by == "month":
        return (last.year - first.year) * 12 + last.month - first.month + 1
    if by == "quarter":
        return (last.year - first.year) * 4 + (last.month - 1) // 3 - (first.month - 1) // 3 + 1
    if by == "year":
        return last.year - first.year + 1
    raise ValueError(f"unknown period {by!r} (one of {', '.join(PERIODS)})")


def check_period_span(dates: Iterable[date | None], by: str, n_sources: int = 1) -> None:
    """Refuse a report whose rows (periods x outlets) would exceed ``MAX_REPORT_ROWS``.

    Raised as ``ReportOptionError`` (a usage error) naming the dates that
    stretch the range and a coarser ``--by`` that fits, before any row is made.
    """
    dated = [d for d in dates if d is not None]
    if not dated or by == "all":
        return
    first, last = min(dated), max(dated)
    rows = period_count(first, last, by) * max(1, n_sources)
    if rows <= MAX_REPORT_ROWS:
        return
    coarser = next((p for p in PERIODS[PERIODS.index(by) + 1:]
                    if period_count(first, last, p) * max(1, n_sources) <= MAX_REPORT_ROWS), "all")
    raise ReportOptionError(
        f"--by {by} from {first.isoformat()} to {last.isoformat()} would make {rows:,} rows "
        f"(the limit is {MAX_REPORT_ROWS:,}); check those dates, or use --by {coarser}")


def period_key(published: date | None, by: str) -> str:
    """The period label of a date: ``2011-02-01``, ``2011-W05`` (ISO week), ``2011-02``,
    ``2011-Q1``, ``2011``, ``all``; ``undated`` for no date.

    Labels sort like the periods within one ``by`` and match what analysts write.
    With ``by="all"`` undated articles belong to ``all`` too: there is nothing to date.
    """
    if by == "all":
        return "all"
    if published is None:
        return UNDATED
    if by == "day":
        return published.isoformat()
    if by == "week":
        year, week, _ = published.isocalendar()
        return f"{year}-W{week:02d}"
    if by == "month":
        return f"{published.year}-{published.month:02d}"
    if by == "quarter":
        return f"{published.year}-Q{(published.month - 1) // 3 + 1}"
    if by == "year":
        return str(published.year)
    raise ValueError(f"unknown period {by!r} (one of {', '.join(PERIODS)})")


def period_start(key: str, by: str) -> date:
    """First day of a period label made by ``period_key`` (used to sort and fill gaps)."""
    if by == "day":
        return date.fromisoformat(key)
    if by == "week":
        year, week = key.split("-W")
        return date.fromisocalendar(int(year), int(week), 1)
    if by == "month":
        year, month = key.split("-")
        return date(int(year), int(month), 1)
    if by == "quarter":
        year, quarter = key.split("-Q")
        return date(int(year), 3 * (int(quarter) - 1) + 1, 1)
    if by == "year":
        return date(int(key), 1, 1)
    if by == "all":
        return date.min
    raise ValueError(f"unknown period {by!r}")


def _next_start(start: date, by: str) -> date:
    if by == "day":
        return start + timedelta(days=1)
    if by == "week":
        return start + timedelta(days=7)
    if by in ("month", "quarter"):
        months = start.year * 12 + start.month - 1 + (1 if by == "month" else 3)
        return date(months // 12, months % 12 + 1, 1)
    if by == "year":
        return date(start.year + 1, 1, 1)
    raise ValueError(f"unknown period {by!r}")


def period_range(first: str, last: str, by: str) -> list[str]:
    """Every period label from ``first`` to ``last`` inclusive, so gaps show as zero rows."""
    if by == "all":
        return ["all"]
    start, end = period_start(first, by), period_start(last, by)
    keys = []
    while start <= end:
        keys.append(period_key(start, by))
        try:
            start = _next_start(start, by)
        except (OverflowError, ValueError):  # the period after 9999-12 does not exist
            break
    return keys
