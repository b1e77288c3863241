"""Read the records ``kcna-themes tag`` wrote (JSON Lines or CSV) into ``TaggedArticle`` objects.

Kept apart from the general reading layer on purpose: this module knows only
the tagged-record format (id, title, published, source, path, url, themes,
scores, model, duplicate_of) and the checks a count needs; decoding and line
splitting come from ``captures``.
"""

from __future__ import annotations

import csv
import io
import math
import sys
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import IO

from ..batch import BatchLog
from ..csvsafe import restore_rows
from ..errors import EmptyInputError, InputError, MixedModelsError
from ..reading import TAGGED_FILE_MAX_BYTES, iter_csv, iter_jsonl, parse_day, read_capped
from .periods import EARLIEST_PLAUSIBLE, is_plausible, latest_plausible
from .rows import RESERVED_COLUMNS

UNKNOWN_SOURCE = "unknown"


@dataclass(frozen=True)
class TaggedArticle:
    """One record written by ``kcna-themes tag``, reduced to what a report needs.

    ``path``/``line`` locate the record in the tagged file (for messages);
    ``link`` is where a reader finds the article: its url when the record has
    one, else the capture's path. ``duplicate_of`` is the id of the story's first
    occurrence when the tagger marked this record a copy; ``dedup_marked`` says
    whether the record carries the marking at all (older files do not).
    """

    id: str
    published: date | None
    source: str
    themes: frozenset[str]
    scores: dict[str, float]  # theme -> probability, in the tagger's (model) order
    model: str | None
    path: str = ""
    line: int | None = None
    title: str = ""
    link: str = ""
    duplicate_of: str | None = None
    dedup_marked: bool = False


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


def _text(value) -> str:
    """A record's text field, stripped; "" for a missing one or anything that is not text."""
    return value.strip() if isinstance(value, str) else str(value) if isinstance(value, int | float) else ""


def _article(path: str, line: int, record: Mapping, themes, scores) -> TaggedArticle:
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
    published = parse_published(record.get("published"))
    if published is not None and not is_plausible(published):
        raise InputError(path, "implausible date", f"{published.isoformat()} is outside "
                         f"{EARLIEST_PLAUSIBLE.isoformat()}..{latest_plausible().isoformat()}", line=line)
    record_id, source, model = record.get("id"), record.get("source"), record.get("model")
    return TaggedArticle(
        id=str(record_id) if record_id is not None else "",
        published=published,
        source=str(source).strip() if source not in (None, "") and str(source).strip() else UNKNOWN_SOURCE,
        themes=frozenset(themes),
        scores=scores,
        model=str(model) if model not in (None, "") else None,
        path=path,
        line=line,
        title=_text(record.get("title")),
        link=_text(record.get("url")) or _text(record.get("path")),
        duplicate_of=_text(record.get("duplicate_of")) or None,
        dedup_marked="duplicate_of" in record,
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
            out.append(_article(path, n, record, themes, scores))
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
