"""``--threshold``: re-cut stored scores, and check stored tags against the model's cut-offs."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from ..errors import ReportOptionError
from .counting import score_and_tag_matrices
from .reading import TaggedArticle


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
    scores, stored = score_and_tag_matrices(articles, themes)
    out = {}
    for j, theme in enumerate(themes):
        if theme not in model_cutoffs:
            continue
        cut = model_cutoffs[theme]
        wrong = (stored[:, j] & (scores[:, j] < cut - tolerance)) | (~stored[:, j] & (scores[:, j] > cut + tolerance))
        if wrong.any():
            out[theme] = int(wrong.sum())
    return out
