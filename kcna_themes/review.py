"""Rank a labelled file's labels by how suspect they are, for ``kcna-themes review``.

Each article gets the probabilities of a model of the same recipe trained without
it (k-fold cross-validation, ``model.cross_validate``), and cleanlab's
``multilabel_classification.filter.find_label_issues`` (ranked by self-confidence) flags the labels
those probabilities find least credible. The flagged labels come first, most
suspect first; the rest follow by cleanlab's label quality score, lowest first.
A flag only chooses what to read again: labels change only when the analyst says so.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sklearn.base import clone

from . import embedding
from .batch import BatchLog
from .errors import KcnaThemesError
from .evaluation import cross_validate
from .labels import LabelledArticle, read_labelled, theme_matrix, themes_in
from .training import embed_articles, is_random_sample


@dataclass
class ReviewItem:
    """One label, with the model's cross-validated view of its article."""

    article: LabelledArticle
    scores: dict[str, float]  # out-of-fold probability per theme
    predicted: list[str]  # the themes over their (fold's) thresholds
    flagged: bool
    quality: float  # cleanlab's label quality score: 0 suspect, 1 credible
    reason: str


@dataclass
class RankedLabels:
    themes: list[str]
    items: list[ReviewItem]


def rank_labels(labels_path, model_dir=None, cache_dir=None,
                load_embedder: Callable[..., embedding.Embedder] = embedding.load_embedder, folds: int = 5,
                echo: Callable[[str], None] | None = None, also: Sequence[str] = ()) -> RankedLabels:
    """The labels of ``labels_path`` (the latest line of each id), most suspect first.

    The model folder gives the embedder and the recipe (its classifier's settings); its
    own fitted weights are not used, since it may have been trained on these very labels.
    ``also`` names more labelled files the cross-validation learns from (a user's own file
    is often too small to learn from alone); only the labels of ``labels_path`` are ranked.
    """
    from cleanlab.multilabel_classification.filter import find_label_issues
    from cleanlab.multilabel_classification.rank import get_label_quality_scores

    from .tagging import load_tagger

    model, emb = load_tagger(model_dir, None, cache_dir, load_embedder=load_embedder)
    log = BatchLog(echo=echo)
    articles = read_labelled([str(labels_path), *map(str, also)], log)
    if log.n_skipped:
        raise KcnaThemesError("labelled files refused (named above): review reads them as train would")
    if len(articles) < 2 * folds:
        raise KcnaThemesError(f"{labels_path}: {len(articles)} labelled articles are too few to cross-validate "
                              f"in {folds} folds")
    themes = themes_in(articles)
    if not themes:
        raise KcnaThemesError(f"{labels_path}: the labelled articles carry no theme at all")
    Y = theme_matrix(articles, themes)
    texts = [a.capture.embed_text for a in articles]
    random_rows = np.array([is_random_sample(a) for a in articles])
    recipe = clone(model.classifier).set_params(embedder=emb, themes=themes)  # the model's recipe, the labels' themes
    embed_articles(articles, recipe)
    cv = cross_validate(recipe, texts, Y, folds=folds, threshold_rows=random_rows if random_rows.any() else None)
    given = [list(np.flatnonzero(row)) for row in Y]
    flagged = [int(i) for i in find_label_issues(labels=given, pred_probs=cv.probs,
                                                 return_indices_ranked_by="self_confidence", n_jobs=1)]
    quality = get_label_quality_scores(given, cv.probs)
    own = str(Path(labels_path))  # as read_labelled names it
    ours = {i for i, a in enumerate(articles) if a.capture.path == own}
    flagged = [i for i in flagged if i in ours]
    rest = [int(i) for i in np.argsort(quality, kind="stable") if int(i) in ours and int(i) not in set(flagged)]
    items = []
    for i in flagged + rest:
        scores = {t: round(float(p), 4) for t, p in zip(themes, cv.probs[i])}
        predicted = [themes[j] for j in np.argsort(-cv.probs[i], kind="stable") if cv.decisions[i, j]]
        items.append(ReviewItem(articles[i], scores, predicted, i in flagged, round(float(quality[i]), 4),
                                disagreement(articles[i].themes, scores, predicted, i in flagged)))
    return RankedLabels(themes, items)


def disagreement(given: list[str], scores: dict[str, float], predicted: list[str], flagged: bool) -> str:
    """Where the given label and the model part ways, in words: the page shows it beside the label."""
    parts = [f"given {t} (model {scores[t]:.2f})" for t in given if t not in predicted]
    parts += [f"not given {t} (model {scores[t]:.2f})" for t in predicted if t not in given]
    head = "suspect" if flagged else "not flagged"
    return f"{head}: " + ("; ".join(parts) if parts else "the model agrees")


def review_record(item: ReviewItem, themes: list[str]) -> dict:
    """A line of ``review --output``: the article, its given label and the model's view."""
    c = item.article.capture
    return {"id": c.id, "title": c.title, "date": c.published, "source": c.source, "text": c.text,
            "given": item.article.themes, "scores": item.scores, "suggested": item.predicted,
            "flagged": item.flagged, "quality": item.quality, "reason": item.reason}
