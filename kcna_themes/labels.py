"""Read labelled articles for training and evaluation, and refuse bad label files.

A labelled file is JSON Lines or CSV with ``title``, ``text`` and ``themes``
(a list, or ``;``-separated in CSV; empty for none of the six). A file with a
malformed line, an empty text, a duplicate id or an unknown theme is refused as
a whole, and every offending line is named: training on half a file would
quietly change the model.

**The latest line wins.** Labels are appended, never rewritten (``kcna-themes
label`` and ``review`` write so): within one file, a later line with the same id
*and the same text* (whitespace aside) is a relabelling, and supersedes the
earlier ones, which stay in the file as its history. The same id with another
text is two articles under one name, and is refused as a duplicate id; so is an
id repeated across files.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .batch import BatchLog
from .captures import DEFAULT_MAX_BYTES, Capture, capture_from_record, expand_inputs
from .errors import InputError, KcnaThemesError, LabelError
from .reading import stream_rows

CODEBOOK_THEMES = ("leader", "construction", "agriculture", "sport", "heritage", "diplomacy")
THEME_NAME = re.compile(r"^[a-z][a-z0-9_-]{1,31}$")
MIN_THEME_SUPPORT = 5


@dataclass
class LabelledArticle:
    capture: Capture
    themes: list[str]
    sample: str | None = None


def parse_themes(value, path, line) -> list[str]:
    if value is None or value == "":
        return []
    if isinstance(value, str):
        items = [v.strip() for v in value.split(";")]
    elif isinstance(value, list):
        items = [str(v).strip() if v is not None else "" for v in value]
    else:
        raise LabelError(path, "malformed themes", f"expected a list, got {type(value).__name__}", line=line)
    themes = [t.lower() for t in items if t]
    for t in themes:
        if not THEME_NAME.match(t):
            raise LabelError(path, "unknown theme", repr(t), line=line)
    return sorted(set(themes), key=themes.index)


def read_label_file(path: Path, known_themes: Sequence[str] | None, log: BatchLog) -> list[LabelledArticle]:
    """Every article of one labelled file, or nothing: a bad file is refused whole."""
    articles: list[LabelledArticle] = []
    problems: list[InputError] = []
    seen: dict[str, int] = {}
    latest: dict[str, LabelledArticle] = {}  # in order of first appearance; the latest line's label
    try:  # read as tag reads record files: a line at a time, under the same cap per record
        rows = list(stream_rows(path, DEFAULT_MAX_BYTES, log.note))
    except InputError as err:
        raise LabelError(err.path, err.reason, err.detail) from None
    for n, row in rows:
        try:
            if isinstance(row, InputError):
                raise LabelError(row.path, row.reason, row.detail, line=n)
            if not isinstance(row, dict):
                raise LabelError(path, "malformed record", "not a JSON object", line=n)
            if "themes" not in row:
                raise LabelError(path, "no themes field", line=n)
            capture = capture_from_record(row, path, n)
            themes = parse_themes(row["themes"], path, n)
            if known_themes is not None:
                unknown = [t for t in themes if t not in known_themes]
                if unknown:
                    raise LabelError(path, "unknown theme", ", ".join(map(repr, unknown)), line=n)
            if capture.id in seen and not same_text(latest[capture.id].capture.text, capture.text):
                raise LabelError(path, "duplicate id", f"{capture.id} also on line {seen[capture.id]}, "
                                 "with another text", line=n)
            sample = capture.extra.get("sample")
            if sample is not None and not isinstance(sample, str):
                raise LabelError(path, "malformed sample", f"expected text such as 'random:2024', got "
                                 f"{type(sample).__name__}", line=n)
            seen[capture.id] = n
            latest[capture.id] = LabelledArticle(capture, themes, sample or None)
        except InputError as err:
            problems.append(err if isinstance(err, LabelError) else LabelError(err.path, err.reason, err.detail, n))
    if problems:
        for problem in problems:
            log.skip(problem)
        raise LabelError(path, "labelled file refused", f"{len(problems)} bad line(s), named above")
    articles.extend(latest.values())
    return articles


def normalise_text(text: str) -> str:
    """Text with every run of whitespace made one space: what "identical text" compares."""
    return " ".join(text.split())


def same_text(a: str, b: str) -> bool:
    return normalise_text(a) == normalise_text(b)


def read_labelled(inputs: Iterable[str], log: BatchLog, known_themes: Sequence[str] | None = None,
                  min_support: int = MIN_THEME_SUPPORT) -> list[LabelledArticle]:
    """All labelled articles from the inputs (the latest line of each id); bad files are
    reported and left out.

    With ``known_themes`` (evaluating a model) a theme outside it is unknown.
    Without (training) the themes come from the data, so a new theme can be added
    by labelling it; a theme with fewer than ``min_support`` articles is taken for
    a typo and refused (``suggest`` passes 1: it searches a new theme from one example).
    """
    articles: list[LabelledArticle] = []
    ids: dict[str, str] = {}
    for path in expand_inputs(inputs, log):
        try:
            if path == "-":
                raise LabelError("-", "labelled data must be a file")
            batch = read_label_file(Path(path), known_themes, log)
            for a in batch:
                if a.capture.id in ids:
                    raise LabelError(path, "duplicate id", f"{a.capture.id} also in {ids[a.capture.id]}",
                                     line=a.capture.line)
            for a in batch:
                ids[a.capture.id] = str(path)
            articles.extend(batch)
            log.ok(len(batch))
        except InputError as err:
            log.skip(err)
    if known_themes is None:
        counts: dict[str, int] = {}
        for a in articles:
            for t in a.themes:
                counts[t] = counts.get(t, 0) + 1
        rare = sorted(t for t, c in counts.items() if c < min_support)
        if rare:
            where = {t: next(f"{a.capture.path}:{a.capture.line}" for a in articles if t in a.themes) for t in rare}
            raise KcnaThemesError("unknown theme(s) " + ", ".join(f"{t!r} (first at {where[t]}, "
                                  f"{counts[t]} article(s))" for t in rare) +
                                  f": a theme needs at least {min_support} labelled articles")
    return articles


def theme_matrix(articles: Sequence[LabelledArticle], themes: Sequence[str]) -> np.ndarray:
    """(n, k) 0/1 matrix; column j is themes[j]."""
    index = {t: j for j, t in enumerate(themes)}
    Y = np.zeros((len(articles), len(themes)), dtype=int)
    for i, a in enumerate(articles):
        for t in a.themes:
            if t in index:
                Y[i, index[t]] = 1
    return Y


def codebook_order(themes: Iterable[str]) -> list[str]:
    """The codebook's six in their order, then any new themes in sorted order."""
    found = set(themes)
    return [t for t in CODEBOOK_THEMES if t in found] + sorted(found - set(CODEBOOK_THEMES))


def themes_in(articles: Sequence[LabelledArticle]) -> list[str]:
    """The themes the articles carry, in ``codebook_order``."""
    return codebook_order(t for a in articles for t in a.themes)
