"""Train a model folder from labelled files, and evaluate one on held-out labels."""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

import numpy as np

from .batch import BatchLog
from .errors import KcnaThemesError
from .labels import LabelledArticle, read_labelled, theme_matrix, themes_in
from .model import ThemeClassifier, ThemeModel, cross_validate, save_model, theme_scores, training_hash


def embed_articles(articles: Sequence[LabelledArticle], embedder, batch_size: int = 256,
                   progress=None) -> np.ndarray:
    """Embeddings of title + body for each article, in batches (served from the cache when warm)."""
    parts = []
    for start in range(0, len(articles), batch_size):
        part = articles[start:start + batch_size]
        parts.append(embedder.embed([a.capture.embed_text for a in part]))
        if progress:
            progress(len(part))
    return np.vstack(parts) if parts else np.zeros((0, embedder.dim), dtype=np.float32)


def embedder_spec(embedder) -> dict:
    """What the metadata records about the embedder, so tagging can rebuild and check it."""
    inner = getattr(embedder, "embedder", embedder)
    return {"id": embedder.id, "dim": int(embedder.dim), "model": getattr(inner, "model", embedder.id),
            "backend": getattr(inner, "backend", None), "long_text": getattr(inner, "long_text", None),
            "max_tokens": getattr(inner, "max_tokens", None), "encoder_sha256": getattr(embedder, "fingerprint", None)}


def adjustment_rates(all_labels: dict, random_sample: dict) -> dict:
    """True- and false-positive counts for bias-corrected shares (``report --adjust``).

    Positives come from every labelled article (the rare themes have too few in the
    random sample), negatives from the random sample only: the rest of the labelled
    set was searched for the rare themes, and its negatives are the near misses of
    those searches, so their false-positive rate overstates the one on real output.
    """
    return {t: {"tp": all_labels[t]["tp"], "fn": all_labels[t]["fn"],
                "fp": random_sample[t]["fp"], "tn": random_sample[t]["tn"],
                "tpr": all_labels[t]["tpr"], "fpr": random_sample[t]["fpr"]} for t in all_labels}


def train_model(label_inputs: Sequence[str], model_dir, embedder, log: BatchLog, C: float = 16.0,
                lexical_dims: int = 256, folds: int = 5, X: np.ndarray | None = None,
                progress=None) -> tuple[ThemeModel, dict]:
    """Read labels, cross-validate the recipe, fit on everything, save the folder.

    ``X`` may hold precomputed embeddings (one row per article, in file order).
    Returns the saved model and its cross-validated scores.
    """
    articles = read_labelled(label_inputs, log)
    if not articles:
        raise KcnaThemesError("no labelled articles to train on")
    themes = themes_in(articles)
    if not themes:
        raise KcnaThemesError("the labelled articles carry no theme at all")
    if X is None:
        X = embed_articles(articles, embedder, progress=progress)
    Y = theme_matrix(articles, themes)
    texts = [a.capture.embed_text for a in articles]
    template = ThemeClassifier(C=C, lexical_dims=lexical_dims)
    cv = cross_validate(X, Y, themes, folds=folds, classifier=template, texts=texts)
    evaluation = dict(cv.scores)
    random_rows = np.array([(a.sample or "").startswith("random") for a in articles])
    if random_rows.sum() >= 20:
        sample = theme_scores(Y[random_rows], cv.decisions[random_rows], themes)
        evaluation["random_sample"] = sample
        evaluation["adjustment_rates"] = adjustment_rates(evaluation["per_theme"], sample["per_theme"])
    classifier = ThemeClassifier(C=C, lexical_dims=lexical_dims).fit(X, Y, themes, texts)
    ids = [a.capture.id for a in articles]
    training = {"size": len(articles), "sha256": training_hash(ids, texts, Y, themes),
                "files": sorted({Path(a.capture.path).name for a in articles}),
                "positives": {t: int(Y[:, j].sum()) for j, t in enumerate(themes)},
                "none": int((Y.sum(axis=1) == 0).sum())}
    model = save_model(model_dir, classifier, embedder_spec(embedder), training, evaluation)
    return model, evaluation


def evaluate_model(label_inputs: Sequence[str], model: ThemeModel, embedder, log: BatchLog,
                   progress=None) -> dict:
    """Scores of a saved model on labelled articles it was not trained on."""
    articles = read_labelled(label_inputs, log, known_themes=model.themes)
    if not articles:
        raise KcnaThemesError("no labelled articles to evaluate on")
    X = embed_articles(articles, embedder, progress=progress)
    Y = theme_matrix(articles, model.themes)
    texts = [a.capture.embed_text for a in articles]
    decisions = model.classifier.predict_proba(X, texts) >= np.array([model.metadata["thresholds"][t]
                                                               for t in model.themes])
    return theme_scores(Y, decisions, model.themes)
