"""Honest scores: per-theme counts and F1, calibration, and cross-validation of the recipe."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .classifier import ThemeClassifier


def theme_scores(Y: np.ndarray, P: np.ndarray, themes: Sequence[str]) -> dict:
    """Per-theme confusion counts, precision, recall, F1, TPR, FPR and support; macro-F1
    over the themes with an example here (``macro_themes``).

    A theme with none has no recall to measure, and its F1 of 0 would pull macro-F1 down
    for a theme the articles cannot test (a sample without a sports article)."""
    per_theme = {}
    for j, theme in enumerate(themes):
        y, p = Y[:, j].astype(bool), P[:, j].astype(bool)
        tp, fp = int((y & p).sum()), int((~y & p).sum())
        fn, tn = int((y & ~p).sum()), int((~y & ~p).sum())
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        per_theme[theme] = {"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4),
                            "support": tp + fn, "tp": tp, "fp": fp, "fn": fn, "tn": tn,
                            "tpr": round(recall, 4), "fpr": round(fp / (fp + tn) if fp + tn else 0.0, 4)}
    counted = [t for t, s in per_theme.items() if s["support"]]
    macro = float(np.mean([per_theme[t]["f1"] for t in counted])) if counted else 0.0
    return {"per_theme": per_theme, "macro_f1": round(macro, 4), "macro_themes": counted, "n": int(len(Y))}


def calibration_error(Y: np.ndarray, probs: np.ndarray, bins: int = 10) -> float:
    """Expected calibration error over all (article, theme) scores, equal-width bins."""
    y, p = Y.ravel().astype(float), probs.ravel()
    idx = np.minimum((p * bins).astype(int), bins - 1)
    err = 0.0
    for b in range(bins):
        mask = idx == b
        if mask.any():
            err += mask.mean() * abs(p[mask].mean() - y[mask].mean())
    return round(float(err), 4)


@dataclass
class CrossValidation:
    """Out-of-fold probabilities and decisions of a k-fold run, and their scores."""

    probs: np.ndarray
    decisions: np.ndarray
    scores: dict


def _no_score(estimator, X, y) -> float:
    return 0.0  # the folds' probabilities are scored below, all at once


def cross_validate(classifier: ThemeClassifier, texts: Sequence[str], Y: np.ndarray, folds: int = 5,
                   random_state: int = 0, threshold_rows: np.ndarray | None = None,
                   n_jobs: int | None = None) -> CrossValidation:
    """k-fold cross-validation of the whole recipe, thresholds included.

    scikit-learn's ``cross_validate`` clones ``classifier`` for each fold, so each
    fold learns its lexical features and chooses its thresholds on its own training
    part only, and the scores are honest estimates for unseen articles. The folds'
    models then score their held-out parts. ``n_jobs`` folds are fitted at once.
    """
    from sklearn.model_selection import KFold
    from sklearn.model_selection import cross_validate as sklearn_cross_validate

    text_array = np.asarray(list(texts), dtype=object)
    Y = np.asarray(Y).astype(int)
    params = {} if threshold_rows is None else {"threshold_rows": np.asarray(threshold_rows, dtype=bool)}
    run = sklearn_cross_validate(classifier, text_array, Y, cv=KFold(folds, shuffle=True, random_state=random_state),
                                 scoring=_no_score, params=params, n_jobs=n_jobs, return_estimator=True,
                                 return_indices=True)
    probs = np.zeros(Y.shape)
    decisions = np.zeros(Y.shape, dtype=bool)
    for fitted, test in zip(run["estimator"], run["indices"]["test"]):
        fitted.set_params(embedder=classifier.embedder)  # a fold fitted in another process has its own copy
        probs[test] = fitted.predict_proba(text_array[test])
        decisions[test] = probs[test] >= fitted.thresholds_
    themes = run["estimator"][0].themes_
    scores = theme_scores(Y, decisions, themes)
    scores["calibration_error"] = calibration_error(Y, probs)
    scores["brier"] = round(float(np.mean((probs - Y) ** 2)), 4)
    scores["method"] = f"{folds}-fold cross-validation, thresholds chosen inside each training fold"
    return CrossValidation(probs, decisions, scores)
