"""What a report needs from the model folder: its id, themes, thresholds and
cross-validated confusion counts, all from ``metadata.json``.

``read_model_metadata`` is the one place the report reads that file, through the
typed ``ModelMetadata`` every other reader uses (it imports no scikit-learn).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from ..errors import ModelError
from ..metadata import ModelMetadata
from .adjustment import ThemeRates
from .reading import TaggedArticle


def read_model_metadata(model_dir) -> ModelMetadata:
    """The model folder's checked ``metadata.json`` (never unpickles anything).

    Only the metadata is needed for a report: the model's id (to check the input
    was tagged by it), its thresholds and its cross-validated confusion counts.
    """
    from ..metadata import read_metadata

    return read_metadata(model_dir)


def check_model_matches(metadata: ModelMetadata, articles: Sequence[TaggedArticle], model_dir="") -> None:
    """Refuse a model folder that is not the one the input was tagged with.

    Its thresholds and error rates describe a different classifier, so using
    them would silently mis-adjust.
    """
    tagged_with = articles[0].model if articles else None
    model_id = metadata.model_id
    if tagged_with is not None and model_id != tagged_with:
        raise ModelError(f"the input was tagged with model {tagged_with!r} but {model_dir or 'the model'} "
                         f"is {model_id!r}; pass the matching --model folder")
    ours = set(articles[0].scores) if articles else set()
    theirs = set(metadata.themes)
    if articles and ours != theirs:
        raise ModelError(f"the input's themes ({', '.join(sorted(ours))}) are not the model's "
                         f"({', '.join(sorted(theirs))})")


def model_thresholds(metadata: ModelMetadata) -> dict[str, float]:
    """The model's per-theme cut-offs (checked to be numbers when the metadata was read)."""
    return dict(metadata.thresholds)


def theme_rates(evaluation: Mapping, themes: Sequence[str]) -> dict[str, ThemeRates]:
    """Cross-validated tp/fp/fn/tn per theme: ``evaluation.adjustment_rates`` when the
    model has them (positives from all labels, negatives from the random sample; see
    ``training.adjustment_rates``), else ``evaluation.per_theme``.

    Counts rather than the stored tpr/fpr, because the interval needs to know how
    many examples the rates rest on. Missing counts raise ``ModelError``.
    """
    per_theme = evaluation.get("adjustment_rates") or evaluation.get("per_theme") or {}
    per_theme = per_theme if isinstance(per_theme, Mapping) else {}
    rates = {}
    lacking = []
    for theme in themes:
        entry = per_theme.get(theme)
        entry = entry if isinstance(entry, Mapping) else {}
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


def theme_order(articles: Sequence[TaggedArticle], metadata: ModelMetadata | None = None) -> list[str]:
    """Themes in model order: the metadata's list when given, else the tagger's score order."""
    if metadata is not None:
        return list(metadata.themes)
    return list(articles[0].scores) if articles else []


