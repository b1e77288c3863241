"""Turn tagged articles into theme counts and shares per period (and per outlet).

This is the library half of ``kcna-themes report``; ``report_cli.py`` is the
command. The pipeline is::

    read_tagged -> count_themes -> fill_empty_periods -> adjusted_shares -> render / plot_shares

(``build_report`` runs the middle three.) Rows are plain dicts whose key order
is the column order: ``period``, [``source``], ``n``, then per theme (model
order) ``<theme>``, ``<theme>_share`` [, ``<theme>_adjusted``, ``<theme>_low``,
``<theme>_high``], then ``none`` and ``none_share``.

Nothing here prints or exits: problems are raised as ``KcnaThemesError``
subclasses, and bad input records go to a ``BatchLog`` so one broken line does
not sink a whole report.
"""

from __future__ import annotations

import csv
import io
import json
import math
import sys
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import IO, Any

import numpy as np

from .atomic import atomic_write
from .batch import BatchLog
from .csvsafe import neutralise_cell, restore_rows
from .errors import InputError, KcnaThemesError, ModelError
from .reading import TAGGED_FILE_MAX_BYTES, iter_csv, iter_jsonl, parse_day, read_capped

__all__ = [
    "PERIODS", "UNDATED", "RESERVED_COLUMNS", "THEME_COLOURS",
    "TaggedArticle", "ThemeRates",
    "MixedModelsError", "EmptyInputError", "ReportOptionError",
    "read_tagged", "theme_order", "parse_published",
    "read_model_metadata", "check_model_matches", "model_thresholds", "theme_rates",
    "parse_thresholds", "resolve_cutoffs", "changed_cutoffs", "threshold_mismatches",
    "period_key", "period_start", "period_range",
    "effective_tags", "count_themes", "fill_empty_periods",
    "unadjustable_themes", "adjusted_shares", "build_report",
    "render", "theme_colours", "share_figure", "plot_shares",
]

PERIODS = ("day", "week", "month", "quarter", "year", "all")
UNDATED = "undated"
UNKNOWN_SOURCE = "unknown"
# Column names a theme may not take, or the table would be ambiguous.
RESERVED_COLUMNS = frozenset({"period", "source", "n", "none"})
MIN_GAP = 0.05  # below this TPR - FPR, ACC divides by (almost) nothing

# Okabe-Ito (colour-blind safe). Fixed per theme, so a theme keeps its colour in
# every chart whatever else is plotted beside it.
THEME_COLOURS = {
    "leader": "#0072B2",        # blue
    "construction": "#E69F00",  # orange
    "agriculture": "#009E73",   # bluish green
    "sport": "#CC79A7",         # reddish purple
    "heritage": "#D55E00",      # vermillion
    "diplomacy": "#56B4E9",     # sky blue
}
_EXTRA_COLOURS = ("#000000", "#7F7F7F", "#8C564B", "#BCBD22", "#17BECF", "#F0E442")


class MixedModelsError(KcnaThemesError):
    """Inputs were tagged by different models (or theme sets): counts cannot be added."""


class EmptyInputError(KcnaThemesError):
    """No usable tagged article in the input."""


class ReportOptionError(KcnaThemesError):
    """An option value that cannot be used with this input (a usage error for the CLI)."""


@dataclass(frozen=True)
class TaggedArticle:
    """One record written by ``kcna-themes tag``, reduced to what a report needs."""

    id: str
    published: date | None
    source: str
    themes: frozenset[str]
    scores: dict[str, float]  # theme -> probability, in the tagger's (model) order
    model: str | None
    path: str = ""
    line: int | None = None


@dataclass(frozen=True)
class ThemeRates:
    """Cross-validated confusion counts of one theme, the basis of the ACC adjustment."""

    tp: int
    fp: int
    fn: int
    tn: int

    @property
    def tpr(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else math.nan

    @property
    def fpr(self) -> float:
        return self.fp / (self.fp + self.tn) if self.fp + self.tn else math.nan


# --------------------------------------------------------------------------- reading


def parse_published(value) -> date | None:
    """A record's date, or None when missing or unparseable.

    None is not an error: such articles are reported in an ``undated`` row rather
    than dropped, so the totals always add up to what was tagged.
    """
    return parse_day(value) if isinstance(value, str) else None


def _score(value, path, line, theme) -> float:
    if isinstance(value, bool) or value is None:
        raise InputError(path, "bad score", f"{theme}: {value!r}", line=line)
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise InputError(path, "bad score", f"{theme}: {value!r}", line=line) from None
    if not math.isfinite(number) or not -1e-9 <= number <= 1 + 1e-9:
        raise InputError(path, "bad score", f"{theme}: {value!r} is not a probability", line=line)
    return number


def _article(path: str, line: int, *, id, published, source, themes, scores, model) -> TaggedArticle:
    """Build and check one article; raise InputError for anything a count cannot use."""
    if not scores:
        raise InputError(path, "missing field", "no scores", line=line)
    for theme in scores:
        if theme in RESERVED_COLUMNS:
            raise InputError(path, "reserved theme name", f"a theme may not be called {theme!r}", line=line)
    unknown = sorted(set(themes) - set(scores))
    if unknown:
        raise InputError(path, "unknown theme", f"themes lists {', '.join(map(repr, unknown))} "
                         "which has no score", line=line)
    return TaggedArticle(
        id=str(id) if id is not None else "",
        published=parse_published(published),
        source=str(source).strip() if source not in (None, "") and str(source).strip() else UNKNOWN_SOURCE,
        themes=frozenset(themes),
        scores=scores,
        model=str(model) if model not in (None, "") else None,
        path=path,
        line=line,
    )


def _articles(rows, path: str, log: BatchLog, fields) -> list[TaggedArticle]:
    """Articles from (line, record) pairs; ``fields(record, line)`` checks one record and
    returns its (themes, scores). A bad record is skipped through ``log``."""
    out = []
    for n, record in rows:
        try:
            if isinstance(record, InputError):
                raise record
            themes, scores = fields(record, n)
            out.append(_article(path, n, id=record.get("id"), published=record.get("published"),
                                source=record.get("source"), themes=themes, scores=scores,
                                model=record.get("model")))
        except InputError as err:
            log.skip(err)
    return out


def _parse_jsonl(text: str, path: str, log: BatchLog) -> list[TaggedArticle]:
    def fields(record, n):
        if not isinstance(record, dict):
            raise InputError(path, "malformed JSON line", "not a JSON object", line=n)
        missing = [k for k in ("themes", "scores") if k not in record]
        if missing:
            raise InputError(path, "missing field", "no " + " and no ".join(map(repr, missing)), line=n)
        themes, scores = record["themes"], record["scores"]
        if not isinstance(themes, list) or not all(isinstance(t, str) for t in themes):
            raise InputError(path, "bad themes", "'themes' must be a list of theme names", line=n)
        if not isinstance(scores, dict):
            raise InputError(path, "bad score", "'scores' must be an object theme -> probability", line=n)
        return themes, {str(t): _score(v, path, n, t) for t, v in scores.items()}

    return _articles(iter_jsonl(text, path), path, log, fields)


def _parse_csv(text: str, path: str, log: BatchLog) -> list[TaggedArticle]:
    header = next(csv.reader(io.StringIO(text, newline="")), [])
    score_cols = [c for c in header if c.startswith("score_") and len(c) > len("score_")]
    missing = [c for c in ("published", "themes") if c not in header] + ([] if score_cols else ["score_<theme>"])
    if missing:
        log.skip(InputError(path, "missing column", "no " + ", ".join(missing) + " column"))
        return []

    def fields(row, n):
        scores = {c[len("score_"):]: _score(row[c], path, n, c[len("score_"):]) for c in score_cols}
        return [t.strip() for t in (row["themes"] or "").split(";") if t.strip()], scores

    return _articles(restore_rows(iter_csv(text, path, required=("published", "themes"))), path, log, fields)


def _read_text(path: str, stdin: IO[bytes] | None) -> str:
    """Whole input as text; bytes are decoded here so stdin and files obey the same
    rule (UTF-8, optional BOM) whatever the terminal's locale."""
    try:  # under a cap, so a device or an endless pipe is refused, not read forever
        data = read_capped(path, TAGGED_FILE_MAX_BYTES, (stdin or sys.stdin.buffer) if path == "-" else None)
    except InputError as err:
        if err.reason != "unreadable file":
            raise
        raise InputError(path, "cannot read", err.detail) from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(path, "not UTF-8 text", str(exc)) from None


def _one_theme_set(records: list[TaggedArticle], path: str, log: BatchLog) -> list[TaggedArticle]:
    """Within one file, keep the records with the file's (majority) theme set.

    A record whose scores have an extra or a missing theme is a damaged line, not
    a different model: skipping it keeps the rest of the file usable. The
    majority decides, so one odd first line cannot condemn all the others.
    """
    models = Counter(r.model for r in records)
    if len(models) > 1:
        listing = ", ".join(f"{m!r} ({k} articles)" for m, k in models.most_common())
        raise MixedModelsError(f"mixed models: {path} holds articles tagged by different models: "
                               f"{listing}; counts from different models cannot be added")
    sets = Counter(frozenset(r.scores) for r in records)
    if len(sets) <= 1:
        return records
    reference = sets.most_common(1)[0][0]
    kept = []
    for r in records:
        have = frozenset(r.scores)
        if have == reference:
            kept.append(r)
            continue
        extra, lacking = sorted(have - reference), sorted(reference - have)
        if extra:
            log.skip(InputError(path, "unknown theme", "scores for " + ", ".join(extra)
                                + " which the rest of the file does not have", line=r.line))
        else:
            log.skip(InputError(path, "missing theme", "no score for " + ", ".join(lacking), line=r.line))
    return kept


def read_tagged(paths: Sequence[str], log: BatchLog, stdin: IO[bytes] | None = None) -> list[TaggedArticle]:
    """Read tagged files (``*.csv`` as CSV, anything else as JSON Lines, ``-`` stdin JSONL).

    Bad lines and unreadable files are skipped through ``log``. All accepted
    articles must come from one model with one theme set: mixing them raises
    ``MixedModelsError`` naming the files, because a count that adds two
    classifiers' decisions measures neither. No article at all raises
    ``EmptyInputError``. ``stdin`` (binary) replaces ``sys.stdin.buffer`` for ``-``.
    """
    by_file: list[tuple[str, list[TaggedArticle]]] = []
    for path in paths:
        path = str(path)
        try:
            text = _read_text(path, stdin)
        except InputError as err:
            log.skip(err)
            continue
        shown = "<stdin>" if path == "-" else path
        parse = _parse_csv if path.lower().endswith(".csv") else _parse_jsonl
        records = _one_theme_set(parse(text, shown, log), shown, log)
        if records:
            by_file.append((shown, records))
            log.ok(len(records))

    groups: dict[tuple, list[str]] = {}
    for path, records in by_file:
        key = (records[0].model, frozenset(records[0].scores))
        groups.setdefault(key, []).append(path)
    if len(groups) > 1:
        same_model = len({model for model, _ in groups}) == 1
        parts = []
        for (model, themes), files in groups.items():
            label = f"model {model!r}" if model is not None else "no model id"
            if same_model:
                label += " with themes " + ",".join(sorted(themes))
            parts.append(f"{label}: {', '.join(files)}")
        raise MixedModelsError("mixed models: " + "; ".join(parts)
                               + " -- counts from different models cannot be added; report them separately")

    articles = [a for _, records in by_file for a in records]
    if not articles:
        raise EmptyInputError("no tagged articles in the input")
    return articles


def theme_order(articles: Sequence[TaggedArticle], metadata: Mapping | None = None) -> list[str]:
    """Themes in model order: the metadata's list when given, else the tagger's score order."""
    if metadata is not None and isinstance(metadata.get("themes"), list):
        return [str(t) for t in metadata["themes"]]
    return list(articles[0].scores) if articles else []


# --------------------------------------------------------------------------- model metadata


def read_model_metadata(model_dir) -> dict:
    """The model folder's checked ``metadata.json`` (never unpickles anything).

    Only the metadata is needed for a report: the model's id (to check the input
    was tagged by it), its thresholds and its cross-validated confusion counts.
    """
    from .model import read_metadata

    return read_metadata(model_dir)


def check_model_matches(metadata: Mapping, articles: Sequence[TaggedArticle], model_dir="") -> None:
    """Refuse a model folder that is not the one the input was tagged with.

    Its thresholds and error rates describe a different classifier, so using
    them would silently mis-adjust.
    """
    tagged_with = articles[0].model if articles else None
    model_id = metadata.get("model_id")
    if tagged_with is not None and model_id != tagged_with:
        raise ModelError(f"the input was tagged with model {tagged_with!r} but {model_dir or 'the model'} "
                         f"is {model_id!r}; pass the matching --model folder")
    ours = set(articles[0].scores) if articles else set()
    theirs = set(map(str, metadata.get("themes", [])))
    if articles and ours != theirs:
        raise ModelError(f"the input's themes ({', '.join(sorted(ours))}) are not the model's "
                         f"({', '.join(sorted(theirs))})")


def model_thresholds(metadata: Mapping) -> dict[str, float]:
    """The model's per-theme cut-offs (empty when the metadata has none)."""
    raw = metadata.get("thresholds") or {}
    try:
        return {str(t): float(v) for t, v in raw.items()}
    except (AttributeError, TypeError, ValueError):
        raise ModelError("model metadata: 'thresholds' must map theme -> number") from None


def theme_rates(metadata: Mapping, themes: Sequence[str]) -> dict[str, ThemeRates]:
    """Cross-validated tp/fp/fn/tn per theme: ``evaluation.adjustment_rates`` when the
    model has them (positives from all labels, negatives from the random sample; see
    ``training.adjustment_rates``), else ``evaluation.per_theme``.

    Counts rather than the stored tpr/fpr, because the interval needs to know how
    many examples the rates rest on. Missing counts raise ``ModelError``.
    """
    evaluation = metadata.get("evaluation") or {}
    per_theme = evaluation.get("adjustment_rates") or evaluation.get("per_theme") or {}
    rates = {}
    lacking = []
    for theme in themes:
        entry = per_theme.get(theme) or {}
        values = [entry.get(k) for k in ("tp", "fp", "fn", "tn")]
        counts = [v for v in values if isinstance(v, int) and not isinstance(v, bool) and v >= 0]
        if len(counts) != len(values):
            lacking.append(theme)
            continue
        rates[theme] = ThemeRates(*counts)
    if lacking:
        raise ModelError("--adjust needs the model's cross-validated tp/fp/fn/tn counts, which its "
                         f"metadata lacks for: {', '.join(lacking)} (re-run the evaluation that stores them)")
    return rates


# --------------------------------------------------------------------------- thresholds


def parse_thresholds(values: Iterable[str]) -> tuple[float | None, dict[str, float]]:
    """Split ``--threshold`` values into one global cut-off and per-theme cut-offs.

    ``0.3`` applies to every theme; ``sport=0.6`` to one (and wins over the
    global one). Theme names are checked later, once the input's themes are known.
    """
    overall: float | None = None
    per_theme: dict[str, float] = {}
    for value in values:
        name, sep, number = value.partition("=")
        if not sep:
            name, number = "", value
        name = name.strip()
        if sep and not name:
            raise ReportOptionError(f"--threshold {value!r}: no theme before '='")
        try:
            cut = float(number)
        except ValueError:
            raise ReportOptionError(f"--threshold {value!r}: {number.strip()!r} is not a number") from None
        if not 0.0 <= cut <= 1.0:
            raise ReportOptionError(f"--threshold {value!r}: must be between 0 and 1")
        if not name:
            if overall is not None and overall != cut:
                raise ReportOptionError("--threshold: give one overall value, or THEME=VALUE for each theme")
            overall = cut
        else:
            per_theme[name] = cut
    return overall, per_theme


def resolve_cutoffs(themes: Sequence[str], overall: float | None, per_theme: Mapping[str, float]) -> dict[str, float]:
    """Cut-offs to re-apply to stored scores; themes not in the result keep their stored tags.

    Unchanged themes keep the tags ``tag`` wrote rather than re-deriving them
    from the model's thresholds: identical when ``tag`` ran with the model's
    thresholds, and faithful to the run when it did not.
    """
    unknown = [t for t in per_theme if t not in themes]
    if unknown:
        raise ReportOptionError(f"--threshold: unknown theme {', '.join(map(repr, unknown))} "
                                f"(themes in the input: {', '.join(themes)})")
    cutoffs = {t: overall for t in themes} if overall is not None else {}
    cutoffs.update(per_theme)
    return cutoffs


def changed_cutoffs(cutoffs: Mapping[str, float], model_cutoffs: Mapping[str, float]) -> list[str]:
    """Themes whose cut-off differs from the model's: their measured TPR/FPR no longer hold."""
    return [t for t, cut in cutoffs.items()
            if t not in model_cutoffs or abs(cut - model_cutoffs[t]) > 1e-12]


def threshold_mismatches(articles: Sequence[TaggedArticle], themes: Sequence[str],
                         model_cutoffs: Mapping[str, float], tolerance: float = 1e-6) -> dict[str, int]:
    """Per theme, how many stored tags disagree with the model's threshold on the stored score.

    Non-zero means ``tag`` ran with other thresholds, so ACC's TPR/FPR (measured
    at the model's thresholds) do not describe these tags. Scores within
    ``tolerance`` of the cut-off are not counted (rounding, >= versus >).
    """
    scores, stored = _matrices(articles, themes)
    out = {}
    for j, theme in enumerate(themes):
        if theme not in model_cutoffs:
            continue
        cut = model_cutoffs[theme]
        wrong = (stored[:, j] & (scores[:, j] < cut - tolerance)) | (~stored[:, j] & (scores[:, j] > cut + tolerance))
        if wrong.any():
            out[theme] = int(wrong.sum())
    return out


# --------------------------------------------------------------------------- periods


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
        start = _next_start(start, by)
    return keys


# --------------------------------------------------------------------------- counting


def _matrices(articles: Sequence[TaggedArticle], themes: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    shape = (len(articles), len(themes))
    scores = np.array([[a.scores[t] for t in themes] for a in articles], dtype=float).reshape(shape)
    stored = np.array([[t in a.themes for t in themes] for a in articles], dtype=bool).reshape(shape)
    return scores, stored


def effective_tags(articles: Sequence[TaggedArticle], themes: Sequence[str],
                   cutoffs: Mapping[str, float] | None = None) -> np.ndarray:
    """(articles x themes) booleans: stored tags, or ``score >= cut-off`` for re-cut themes."""
    scores, tags = _matrices(articles, themes)
    for j, theme in enumerate(themes):
        if cutoffs and theme in cutoffs:
            tags[:, j] = scores[:, j] >= cutoffs[theme]
    return tags


def _row(period: str, source: str | None, n: int, counts: Sequence[int], n_none: int,
         themes: Sequence[str]) -> dict:
    row: dict = {"period": period}
    if source is not None:
        row["source"] = source
    row["n"] = int(n)
    for theme, count in zip(themes, counts):
        row[theme] = int(count)
        row[f"{theme}_share"] = count / n if n else 0.0
    row["none"] = int(n_none)
    row["none_share"] = n_none / n if n else 0.0
    return row


def _sort_key(by: str):
    def key(row):
        dated = row["period"] != UNDATED
        start = period_start(row["period"], by) if dated else date.max
        return (not dated, start, row.get("source", ""))
    return key


def count_themes(articles: Sequence[TaggedArticle], themes: Sequence[str], by: str = "month",
                 by_source: bool = False, cutoffs: Mapping[str, float] | None = None) -> list[dict]:
    """Count articles per theme for each (period[, source]) that has articles.

    Multi-label: an article counts once for each of its themes, and in ``none``
    when it has no theme, so theme shares need not add up to 1. Rows are sorted
    by period (undated last), then source; empty periods are added by
    ``fill_empty_periods``.
    """
    if by not in PERIODS:
        raise ValueError(f"unknown period {by!r} (one of {', '.join(PERIODS)})")
    tags = effective_tags(articles, themes, cutoffs)
    keys = [(period_key(a.published, by), a.source if by_source else None) for a in articles]
    index: dict[tuple, int] = {}
    group = np.array([index.setdefault(k, len(index)) for k in keys], dtype=np.intp)
    g = len(index)
    n = np.bincount(group, minlength=g)
    counts = np.zeros((g, len(themes)), dtype=np.int64)
    np.add.at(counts, group, tags.astype(np.int64))
    n_none = np.bincount(group, weights=~tags.any(axis=1), minlength=g).astype(np.int64)
    rows = [_row(period, source, n[i], counts[i], n_none[i], themes) for (period, source), i in index.items()]
    return sorted(rows, key=_sort_key(by))


def fill_empty_periods(rows: Sequence[dict], themes: Sequence[str], by: str) -> list[dict]:
    """Add zero rows for periods without articles between the first and last period.

    A gap in a time series reads as "nothing happened" in a chart anyway; a zero
    row (n = 0) says so explicitly and keeps every outlet on the same calendar.
    With sources, every source gets every period of the overall range.
    """
    with_source = bool(rows) and "source" in rows[0]
    present = {(r["period"], r.get("source")) for r in rows}
    dated = sorted({r["period"] for r in rows if r["period"] != UNDATED}, key=lambda k: period_start(k, by))
    sources = sorted({r["source"] for r in rows}) if with_source else [None]
    out = list(rows)
    if dated:
        for period in period_range(dated[0], dated[-1], by):
            for source in sources:
                if (period, source) not in present:
                    out.append(_row(period, source, 0, [0] * len(themes), 0, themes))
    return sorted(out, key=_sort_key(by))


# --------------------------------------------------------------------------- adjustment (ACC)


def unadjustable_themes(rates: Mapping[str, ThemeRates], min_gap: float = MIN_GAP) -> dict[str, float]:
    """Themes whose TPR - FPR is below ``min_gap`` (or unknown), with that gap.

    ACC divides by TPR - FPR; near zero the classifier barely tells the theme
    apart and the quotient is noise, so those themes get no adjusted value.
    """
    out = {}
    for theme, r in rates.items():
        gap = r.tpr - r.fpr
        if not gap >= min_gap:  # also catches NaN
            out[theme] = gap
    return out


def adjusted_shares(rows: Sequence[dict], themes: Sequence[str], rates: Mapping[str, ThemeRates],
                    n_resamples: int = 1000, seed: int = 0, level: float = 0.90,
                    min_gap: float = MIN_GAP) -> list[dict]:
    """Add ``<theme>_adjusted``, ``_low``, ``_high`` (ACC estimate and interval) to each row.

    Adjusted classify-and-count (Forman 2008), per theme as a binary problem:
    observed = TPR * true + FPR * (1 - true), so
    ``true = (observed - FPR) / (TPR - FPR)``, clipped to [0, 1].
    This assumes prior probability shift only: the mix of themes may change
    between periods, but the way each theme is written (hence the classifier's
    TPR/FPR measured in cross-validation) may not.

    The interval is a percentile bootstrap that carries both sources of
    uncertainty: articles are resampled within the period (for one theme that
    is exactly a Binomial(n, observed share) count, drawn directly instead of
    materialising resamples), and each resample draws its own
    TPR ~ Beta(tp+1, fn+1), FPR ~ Beta(fp+1, tn+1) from the cross-validated
    counts. Vectorised over periods and resamples, looping only over themes.

    Not QuaPy: QuaPy 0.2.3's ``ACC`` trains and cross-validates its own
    (single-label) classifier and its bootstrap re-fits quantifiers per sample;
    here the rates are already measured and only the 2x2 inversion is needed,
    which is these few lines.

    Rows with n = 0, and themes whose TPR - FPR < ``min_gap``, get None.
    """
    rng = np.random.default_rng(seed)
    n = np.array([r["n"] for r in rows], dtype=np.int64)
    alpha = (1.0 - level) / 2.0
    poor = unadjustable_themes(rates, min_gap)
    extra: dict[str, tuple[list, list, list]] = {}
    for theme in themes:
        if theme in poor or theme not in rates:
            none = [None] * len(rows)
            extra[theme] = (none, none, none)
            continue
        r = rates[theme]
        count = np.array([row[theme] for row in rows], dtype=np.int64)
        observed = np.divide(count, n, out=np.zeros(len(rows)), where=n > 0)
        point = np.clip((observed - r.fpr) / (r.tpr - r.fpr), 0.0, 1.0)

        tpr = rng.beta(r.tp + 1, r.fn + 1, size=n_resamples)
        fpr = rng.beta(r.fp + 1, r.tn + 1, size=n_resamples)
        boot = rng.binomial(n[:, None], observed[:, None], size=(len(rows), n_resamples))
        boot_share = np.divide(boot, n[:, None], out=np.zeros(boot.shape), where=n[:, None] > 0)
        # A draw where the classifier looks uninformative sends the estimate to an
        # edge (after clipping) instead of dividing by ~0 or flipping the sign.
        gap = np.maximum(tpr - fpr, 1e-6)
        estimate = np.clip((boot_share - fpr) / gap, 0.0, 1.0)
        low, high = np.quantile(estimate, [alpha, 1.0 - alpha], axis=1)
        empty = n == 0
        point_list, low_list, high_list = ([None if e else float(v) for v, e in zip(values, empty)]
                                           for values in (point, low, high))
        extra[theme] = (point_list, low_list, high_list)

    out = []
    for i, row in enumerate(rows):
        new = {}
        for key, value in row.items():
            new[key] = value
            if key.endswith("_share") and key[: -len("_share")] in extra:
                theme = key[: -len("_share")]
                adjusted, low, high = extra[theme]
                new[f"{theme}_adjusted"] = adjusted[i]
                new[f"{theme}_low"] = low[i]
                new[f"{theme}_high"] = high[i]
        out.append(new)
    return out


def build_report(articles: Sequence[TaggedArticle], themes: Sequence[str], *, by: str = "month",
                 by_source: bool = False, cutoffs: Mapping[str, float] | None = None,
                 rates: Mapping[str, ThemeRates] | None = None, n_resamples: int = 1000,
                 seed: int = 0) -> list[dict]:
    """Rows of the report: counts, zero rows for gaps, and ACC columns when ``rates`` is given."""
    rows = fill_empty_periods(count_themes(articles, themes, by, by_source, cutoffs), themes, by)
    if rates is not None:
        rows = adjusted_shares(rows, themes, rates, n_resamples=n_resamples, seed=seed)
    return rows


# --------------------------------------------------------------------------- output


def _plain(value):
    if isinstance(value, float):
        return round(value, 6)
    return value


def _count_columns(row: Mapping) -> list[str]:
    """Theme names (and ``none``) present in a row, in column order."""
    return [k[: -len("_share")] for k in row if k.endswith("_share")]


def _pct(value) -> str:
    return "n/a" if value is None else f"{100 * value:.1f}%"


def _md_cell(text) -> str:
    return str(text).replace("|", "\\|")


def _markdown(rows: Sequence[dict]) -> str:
    first = rows[0]
    names = _count_columns(first)
    head = ["period"] + (["source"] if "source" in first else []) + ["n"]
    align = ["---"] * len(head[:-1]) + ["---:"]
    for name in names:
        head.append(name)
        align.append("---:")
        if f"{name}_adjusted" in first:
            head.append(f"{name} adjusted (90% interval)")
            align.append("---:")
    lines = ["| " + " | ".join(head) + " |", "| " + " | ".join(align) + " |"]
    for row in rows:
        cells = [row["period"]] + ([row["source"]] if "source" in row else []) + [row["n"]]
        for name in names:
            share = f"{100 * row[f'{name}_share']:.1f}%" if row["n"] else "–"
            cells.append(f"{row[name]} ({share})")
            if f"{name}_adjusted" in row:
                adj = row[f"{name}_adjusted"]
                cells.append("n/a" if adj is None else
                             f"{_pct(adj)} ({_pct(row[f'{name}_low'])}–{_pct(row[f'{name}_high'])})")
        lines.append("| " + " | ".join(_md_cell(c) for c in cells) + " |")
    return "\n".join(lines) + "\n"


def render(rows: Sequence[dict], fmt: str = "markdown") -> str:
    """The rows as ``csv`` (plain numbers), ``json`` (a list of objects) or ``markdown``.

    Markdown is for reading: each theme cell shows ``count (share%)``, and the
    adjusted share with its interval in one extra cell per theme. Missing
    values (no adjustment possible) are empty in CSV and null in JSON.
    """
    if fmt == "json":
        return json.dumps([{k: _plain(v) for k, v in r.items()} for r in rows], indent=2, ensure_ascii=False) + "\n"
    if not rows:
        return ""
    if fmt == "csv":
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow([neutralise_cell(c) for c in rows[0]])
        for r in rows:
            writer.writerow(["" if v is None else neutralise_cell(_plain(v)) for v in r.values()])
        return buf.getvalue()
    if fmt == "markdown":
        return _markdown(rows)
    raise ValueError(f"unknown format {fmt!r} (csv, json or markdown)")


# --------------------------------------------------------------------------- chart

_NICE_STEPS = {
    "day": (1, 2, 7, 14, 28, 91, 182, 364, 728, 1820),
    "week": (1, 2, 4, 13, 26, 52, 104, 260),
    "month": (1, 2, 3, 6, 12, 24, 60, 120),
    "quarter": (1, 2, 4, 8, 20, 40),
    "year": (1, 2, 5, 10, 20, 50, 100),
}
MAX_TICK_LABELS = 20


def theme_colours(themes: Iterable[str]) -> dict[str, str]:
    """A colour per theme: fixed for the six known themes, then further colours for
    other themes by sorted name, so the same input always gets the same colours."""
    themes = list(themes)
    extras = sorted(t for t in themes if t not in THEME_COLOURS)
    colours = {t: THEME_COLOURS[t] for t in themes if t in THEME_COLOURS}
    for i, theme in enumerate(extras):
        colours[theme] = _EXTRA_COLOURS[i % len(_EXTRA_COLOURS)]
    return colours


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


def share_figure(rows: Sequence[dict], themes: Sequence[str], *, by: str = "month",
                 adjusted: bool | None = None, title: str | None = None):
    """Build (but do not save) the matplotlib Figure of theme shares over the periods.

    One line per theme, in its fixed colour; with ACC columns, the adjusted
    share with its interval shaded (a theme that cannot be adjusted is drawn
    dashed from its raw share, and its legend says so). The ``undated`` row is
    left out (it has no place on a time axis) and periods with no articles are
    gaps, not zeros (a point between two gaps gets a marker so it stays visible).
    With a ``source`` column, one subplot per outlet, sharing
    both axes. Uses the Agg canvas directly, never pyplot's global state.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import PercentFormatter

    dated = [r for r in rows if r["period"] != UNDATED]
    if not dated:
        raise KcnaThemesError("nothing to plot: no dated articles")
    if adjusted is None:
        adjusted = any(f"{t}_adjusted" in dated[0] for t in themes)
    periods = list(dict.fromkeys(r["period"] for r in dated))
    position = {p: i for i, p in enumerate(periods)}
    with_source = "source" in dated[0]
    sources = sorted({r["source"] for r in dated}) if with_source else [None]
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
        mine = [r for r in dated if source is None or r["source"] == source]
        x = np.array([position[r["period"]] for r in mine], dtype=float)
        empty = np.array([r["n"] == 0 for r in mine])
        for theme in themes:
            colour = colours[theme]
            can_adjust = adjusted and any(r.get(f"{theme}_adjusted") is not None for r in mine)
            def series(key, mine=mine, empty=empty):
                return np.array([np.nan if (e or r.get(key) is None) else r[key] for r, e in zip(mine, empty)],
                                dtype=float)
            if can_adjust:
                y = series(f"{theme}_adjusted")
                band_top = series(f"{theme}_high")
                ax.fill_between(x, series(f"{theme}_low"), band_top, color=colour, alpha=0.15, linewidth=0)
                label = theme
                style = "-"
            else:
                y = band_top = series(f"{theme}_share")
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


def plot_shares(rows: Sequence[dict], themes: Sequence[str], path, *, by: str = "month",
                adjusted: bool | None = None, title: str | None = None) -> None:
    """Draw ``share_figure`` and write it as PNG atomically (no half-written chart)."""
    fig = share_figure(rows, themes, by=by, adjusted=adjusted, title=title)
    with atomic_write(path, mode="wb") as fh:
        fig.savefig(fh, format="png", dpi=120)
