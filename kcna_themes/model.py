"""The theme classifier, its cross-validated evaluation, and the model folder.

``ThemeClassifier`` is one logistic regression per theme over sentence
embeddings, in the scikit-learn style: hyperparameters in ``__init__``,
learning in ``fit``, ``predict_proba`` for scores. Each theme's regression is
weighted for rare themes and then Platt-calibrated on held-out folds, so its
scores are probabilities; each theme's decision threshold is the one that
maximised F1 on out-of-fold scores of the training data.

A saved model is a folder: ``classifier.joblib`` plus ``metadata.json``.
Loading reads and checks the metadata (format, embedder, checksum) before it
unpickles anything.
"""

from __future__ import annotations

import hashlib
import json
import platform
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from . import __version__
from .atomic import atomic_write
from .errors import ModelError

FORMAT_VERSION = 1
CLASSIFIER_FILE = "classifier.joblib"
METADATA_FILE = "metadata.json"


class LexicalFeatures:
    """Word and bigram TF-IDF reduced by SVD: a few hundred dense lexical features.

    Set beside the sentence embedding they add what a 256-token window and a
    general-purpose encoder miss (names of places and projects, KCNA's stock
    phrases); on the labelled set they raise cross-validated macro-F1 (see
    benchmarks/README.md). Fitted on training texts only, without labels.
    """

    def __init__(self, dims: int = 256, vocabulary: int = 10_000, random_state: int = 0):
        self.dims = dims
        self.vocabulary = vocabulary
        self.random_state = random_state

    def fit(self, texts: Sequence[str]) -> LexicalFeatures:
        from sklearn.decomposition import TruncatedSVD
        from sklearn.feature_extraction.text import TfidfVectorizer

        self.tfidf_ = TfidfVectorizer(sublinear_tf=True, min_df=2, ngram_range=(1, 2), stop_words="english",
                                      max_features=self.vocabulary, dtype=np.float32)
        try:
            tf = self.tfidf_.fit_transform(texts)
        except ValueError:  # too few texts for min_df=2
            self.tfidf_.set_params(min_df=1)
            tf = self.tfidf_.fit_transform(texts)
        dims = max(1, min(self.dims, tf.shape[1] - 1, tf.shape[0] - 1))
        self.svd_ = TruncatedSVD(dims, random_state=self.random_state).fit(tf)
        self.svd_.components_ = self.svd_.components_.astype(np.float32)  # halves the saved model
        return self

    def transform(self, texts: Sequence[str]) -> np.ndarray:
        Z = self.svd_.transform(self.tfidf_.transform(texts)).astype(np.float32)
        return Z / np.maximum(np.linalg.norm(Z, axis=1, keepdims=True), 1e-12)


class ThemeClassifier:
    """Multi-label theme classifier: one calibrated logistic regression per theme.

    Features are the sentence embedding and, when ``lexical_dims`` > 0, lexical
    TF-IDF/SVD features of the same text (``LexicalFeatures``).

    Parameters
    ----------
    C : inverse regularisation strength of each logistic regression.
    lexical_dims : size of the lexical features (0: embeddings only).
    lexical_vocabulary : most frequent words and bigrams the lexical features keep.
    class_weight : "balanced" weights each theme's rare positives up.
    calibration_folds : folds for Platt scaling (sigmoid) of each theme's scores.
    threshold_folds : folds for the out-of-fold scores that thresholds are chosen on.
    random_state : seed for every fold split.
    """

    def __init__(self, C: float = 16.0, lexical_dims: int = 256, lexical_vocabulary: int = 10_000,
                 class_weight: str | None = "balanced", calibration_folds: int = 3, threshold_folds: int = 5,
                 random_state: int = 0):
        self.C = C
        self.lexical_dims = lexical_dims
        self.lexical_vocabulary = lexical_vocabulary
        self.class_weight = class_weight
        self.calibration_folds = calibration_folds
        self.threshold_folds = threshold_folds
        self.random_state = random_state

    def _theme_model(self, y: np.ndarray):
        from sklearn.calibration import CalibratedClassifierCV
        from sklearn.dummy import DummyClassifier
        from sklearn.linear_model import LogisticRegression
        from sklearn.model_selection import StratifiedKFold

        folds = min(self.calibration_folds, int(y.sum()), int(len(y) - y.sum()))
        if folds < 2:  # too few examples of one class to learn or calibrate: predict the base rate
            return DummyClassifier(strategy="prior")
        base = LogisticRegression(C=self.C, class_weight=self.class_weight, max_iter=5000)
        return CalibratedClassifierCV(base, method="sigmoid",
                                      cv=StratifiedKFold(folds, shuffle=True, random_state=self.random_state))

    def _features(self, X: np.ndarray, texts: Sequence[str] | None) -> np.ndarray:
        X = np.asarray(X, dtype=np.float32)
        if X.ndim != 2 or X.shape[1] != self.n_features_in_:
            raise ModelError(f"embeddings have dimension {X.shape[-1]}, the classifier expects {self.n_features_in_}")
        if self.lexical_ is None:
            return X
        if texts is None or len(texts) != len(X):
            raise ValueError("this classifier also reads the texts: pass one text per embedding")
        return np.hstack([X, self.lexical_.transform(texts)])

    def fit(self, X: np.ndarray, Y: np.ndarray, themes: Sequence[str],
            texts: Sequence[str] | None = None, threshold_rows: np.ndarray | None = None) -> ThemeClassifier:
        """X: (n, dim) embeddings; Y: (n, k) 0/1 matrix, column j is ``themes[j]``;
        texts: the embedded texts (needed when ``lexical_dims`` > 0).

        ``threshold_rows`` (a boolean mask) chooses each theme's threshold on the
        out-of-fold scores of those rows only: the random samples of real output,
        where a rare theme is as rare as users meet it, rather than the whole set,
        which was enriched with searched-for examples. A theme with fewer than 5
        positives among those rows falls back to all rows.
        """
        X = np.asarray(X, dtype=np.float32)
        Y = np.asarray(Y).astype(int)
        if Y.ndim != 2 or Y.shape[1] != len(themes) or len(X) != len(Y):
            raise ValueError("X, Y and themes do not fit together")
        self.themes_ = list(themes)
        self.n_features_in_ = X.shape[1]
        self.lexical_ = None
        if self.lexical_dims:
            if texts is None:
                raise ValueError("lexical features need the texts: pass texts=, or set lexical_dims=0")
            self.lexical_ = LexicalFeatures(self.lexical_dims, self.lexical_vocabulary, self.random_state).fit(texts)
        X = self._features(X, texts)
        self.estimators_ = [self._theme_model(Y[:, j]).fit(X, Y[:, j]) for j in range(len(themes))]
        oof = self._out_of_fold(X, Y)
        rows = np.ones(len(Y), dtype=bool) if threshold_rows is None else np.asarray(threshold_rows, dtype=bool)
        thresholds = []
        for j in range(len(themes)):
            use = rows if Y[rows, j].sum() >= 5 else np.ones(len(Y), dtype=bool)
            thresholds.append(0.5 if np.isnan(oof[0, j]) else best_f1_threshold(Y[use, j], oof[use, j]))
        self.thresholds_ = np.array(thresholds)
        return self

    def _out_of_fold(self, X: np.ndarray, Y: np.ndarray) -> np.ndarray:
        from sklearn.model_selection import StratifiedKFold

        oof = np.zeros(Y.shape, dtype=float)
        for j in range(Y.shape[1]):
            y = Y[:, j]
            n_splits = min(self.threshold_folds, int(y.sum()), int(len(y) - y.sum()))
            if n_splits < 2:
                oof[:, j] = np.nan  # no held-out scores to choose from
                continue
            folds = StratifiedKFold(n_splits, shuffle=True, random_state=self.random_state)
            for train, test in folds.split(X, y):
                model = self._theme_model(y[train]).fit(X[train], y[train])
                oof[test, j] = _positive_column(model, X[test])
        return oof

    def predict_proba(self, X: np.ndarray, texts: Sequence[str] | None = None) -> np.ndarray:
        """(n, k) probabilities; column j is ``themes_[j]``."""
        if len(X) == 0:
            return np.zeros((0, len(self.themes_)))
        Z = self._features(X, texts)
        return np.column_stack([_positive_column(est, Z) for est in self.estimators_])

    def predict(self, X: np.ndarray, texts: Sequence[str] | None = None) -> np.ndarray:
        return self.predict_proba(X, texts) >= self.thresholds_


def clone_classifier(template: ThemeClassifier) -> ThemeClassifier:
    """A fresh, unfitted classifier with the template's hyperparameters."""
    return ThemeClassifier(**{k: getattr(template, k) for k in
                              ("C", "lexical_dims", "lexical_vocabulary", "class_weight", "calibration_folds",
                               "threshold_folds", "random_state")})


def _positive_column(estimator, X: np.ndarray) -> np.ndarray:
    """Probability of the positive class, found through ``classes_``, not by position."""
    classes = list(estimator.classes_)
    if 1 not in classes:  # trained on negatives only
        return np.zeros(len(X))
    return estimator.predict_proba(X)[:, classes.index(1)]


def best_f1_threshold(y: np.ndarray, scores: np.ndarray) -> float:
    """The score cut-off that maximises F1 on (y, scores); midway between neighbours."""
    order = np.argsort(-scores)
    s, t = scores[order], y[order]
    tp = np.cumsum(t)
    k = np.arange(1, len(t) + 1)
    f1 = 2 * tp / (k + t.sum())
    last_of_run = np.r_[s[1:] != s[:-1], True]  # only cut between distinct scores
    f1 = np.where(last_of_run, f1, -1)
    i = int(np.argmax(f1))
    below = s[i + 1] if i + 1 < len(s) else 0.0
    return float(np.clip((s[i] + below) / 2, 0.01, 0.99))


# ------------------------------------------------------------------ evaluation

def theme_scores(Y: np.ndarray, P: np.ndarray, themes: Sequence[str]) -> dict:
    """Per-theme confusion counts, precision, recall, F1, TPR, FPR and support; macro-F1."""
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
    macro = float(np.mean([s["f1"] for s in per_theme.values()])) if per_theme else 0.0
    return {"per_theme": per_theme, "macro_f1": round(macro, 4), "n": int(len(Y))}


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


def cross_validate(X: np.ndarray, Y: np.ndarray, themes: Sequence[str], folds: int = 5,
                   classifier: ThemeClassifier | None = None, texts: Sequence[str] | None = None,
                   random_state: int = 0, threshold_rows: np.ndarray | None = None,
                   n_jobs: int | None = None) -> CrossValidation:
    """k-fold cross-validation of the whole recipe, thresholds included.

    Each fold's classifier learns its lexical features and chooses its thresholds
    on its own training part only, so the scores are honest estimates for unseen
    articles. ``n_jobs`` folds are fitted at once (joblib processes; default one).
    """
    from joblib import Parallel, delayed
    from sklearn.model_selection import KFold

    template = classifier or ThemeClassifier(random_state=random_state)
    X, Y = np.asarray(X, dtype=np.float32), np.asarray(Y).astype(int)
    text_array = np.asarray(texts, dtype=object) if texts is not None else None
    rows = None if threshold_rows is None else np.asarray(threshold_rows, dtype=bool)

    def one_fold(train, test):
        clf = clone_classifier(template)
        clf.fit(X[train], Y[train], themes, None if text_array is None else list(text_array[train]),
                threshold_rows=None if rows is None else rows[train])
        return test, clf.predict_proba(X[test], None if text_array is None else list(text_array[test])), clf.thresholds_

    probs = np.zeros(Y.shape)
    decisions = np.zeros(Y.shape, dtype=bool)
    splits = KFold(folds, shuffle=True, random_state=random_state).split(X)
    for test, fold_probs, thresholds in Parallel(n_jobs=n_jobs)(delayed(one_fold)(tr, te) for tr, te in splits):
        probs[test] = fold_probs
        decisions[test] = fold_probs >= thresholds
    scores = theme_scores(Y, decisions, themes)
    scores["calibration_error"] = calibration_error(Y, probs)
    scores["brier"] = round(float(np.mean((probs - Y) ** 2)), 4)
    scores["method"] = f"{folds}-fold cross-validation, thresholds chosen inside each training fold"
    return CrossValidation(probs, decisions, scores)


# ------------------------------------------------------------------ the folder

@dataclass
class ThemeModel:
    """A loaded model folder: the classifier and what its metadata says."""

    classifier: ThemeClassifier
    metadata: dict
    path: Path | None = None

    @property
    def themes(self) -> list[str]:
        return list(self.metadata["themes"])

    @property
    def model_id(self) -> str:
        return self.metadata["model_id"]

    @property
    def embedder_spec(self) -> dict:
        return self.metadata["embedder"]

    def score(self, texts: Sequence[str], embedder) -> np.ndarray:
        """(n, k) probabilities of texts as the classifier reads them (``classifier_text``)."""
        if not texts:
            return np.zeros((0, len(self.themes)))
        return self.classifier.predict_proba(embedder.embed(texts), texts)

    def themes_over_threshold(self, probs: np.ndarray) -> list[str]:
        """The themes whose probability reaches the classifier's own threshold, strongest first.

        The thresholds are ``classifier.thresholds_``, stored once with it; the rounded
        copy in ``metadata.json`` is for reading, and editing it changes nothing.
        """
        cut = self.classifier.thresholds_
        return [self.themes[j] for j in np.argsort(-probs, kind="stable") if probs[j] >= cut[j]]


def training_hash(ids: Sequence[str], texts: Sequence[str], Y: np.ndarray, themes: Sequence[str]) -> str:
    """A fingerprint of the exact training set: ids, texts and labels."""
    h = hashlib.sha256(json.dumps(list(themes)).encode())
    for rid, text, row in sorted(zip(ids, texts, np.asarray(Y).tolist())):
        h.update(f"{rid}\x1f{text}\x1f{row}\x1e".encode())
    return h.hexdigest()


def save_model(folder, classifier: ThemeClassifier, embedder: dict, training: dict,
               evaluation: dict | None) -> ThemeModel:
    """Write the model folder: classifier first, then metadata (written last, atomically)."""
    import joblib
    import sklearn

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    with atomic_write(folder / CLASSIFIER_FILE, "wb") as fh:
        joblib.dump(classifier, fh, compress=3)
    digest = hashlib.sha256((folder / CLASSIFIER_FILE).read_bytes()).hexdigest()
    metadata = {
        "format_version": FORMAT_VERSION,
        "model_id": digest[:16],
        "package_version": __version__,
        "sklearn_version": sklearn.__version__,
        "python_version": platform.python_version(),
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "embedder": embedder,
        "themes": list(classifier.themes_),
        "thresholds": {t: round(float(v), 4) for t, v in zip(classifier.themes_, classifier.thresholds_)},
        "classifier": {"file": CLASSIFIER_FILE, "sha256": digest, "C": classifier.C,
                       "class_weight": classifier.class_weight, "lexical_dims": classifier.lexical_dims,
                       "lexical_vocabulary": classifier.lexical_vocabulary,
                       "calibration": f"Platt (sigmoid), {classifier.calibration_folds}-fold"},
        "training": training,
        "evaluation": evaluation,
    }
    with atomic_write(folder / METADATA_FILE) as fh:
        json.dump(metadata, fh, indent=2, ensure_ascii=False)
        fh.write("\n")
    return ThemeModel(classifier, metadata, folder)


def read_metadata(folder) -> dict:
    """Read and check ``metadata.json`` without touching the pickle."""
    folder = Path(folder)
    if not folder.is_dir():
        raise ModelError(f"model folder {folder} does not exist")
    meta_path = folder / METADATA_FILE
    try:
        metadata = json.loads(meta_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ModelError(f"{folder} is not a model folder: {METADATA_FILE} is missing") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelError(f"{meta_path} is corrupt: {exc}") from exc
    if not isinstance(metadata, dict):
        raise ModelError(f"{meta_path} is corrupt: not a JSON object")
    version = metadata.get("format_version")
    if not isinstance(version, int):
        raise ModelError(f"{meta_path} has no format_version: not a kcna-themes model")
    if version > FORMAT_VERSION:
        raise ModelError(f"{folder} is in model format {version}, newer than this kcna-themes "
                         f"({__version__}) reads (format {FORMAT_VERSION}): upgrade kcna-themes")
    missing = [k for k in ("model_id", "embedder", "themes", "thresholds", "classifier") if k not in metadata]
    if missing:
        raise ModelError(f"{meta_path} is corrupt: missing {', '.join(missing)}")
    return metadata


def load_model(folder, embedder_id: str | None = None) -> ThemeModel:
    """Load a model folder, refusing a mismatch before unpickling anything.

    A model folder holds a pickle: load only folders from a trusted source. The
    checksum in the metadata guards against a corrupt or swapped classifier file.
    """
    folder = Path(folder)
    metadata = read_metadata(folder)
    if embedder_id is not None and metadata["embedder"].get("id") != embedder_id:
        raise ModelError(f"{folder} was trained on embedder {metadata['embedder'].get('id')!r}, "
                         f"not {embedder_id!r}: tag with the embedder it was trained on, or retrain")
    clf_path = folder / metadata["classifier"].get("file", CLASSIFIER_FILE)
    try:
        blob = clf_path.read_bytes()
    except OSError as exc:
        raise ModelError(f"{clf_path} cannot be read: {exc.strerror or exc}") from exc
    if hashlib.sha256(blob).hexdigest() != metadata["classifier"].get("sha256"):
        raise ModelError(f"{clf_path} is corrupt: its checksum does not match {METADATA_FILE}")
    import joblib

    try:
        classifier = joblib.load(clf_path)
    except Exception as exc:  # a pickle can fail in many ways; all mean the same here
        raise ModelError(f"{clf_path} cannot be loaded: {exc}") from exc
    if list(getattr(classifier, "themes_", [])) != list(metadata["themes"]):
        raise ModelError(f"{folder}: classifier themes do not match {METADATA_FILE}")
    return ThemeModel(classifier, metadata, folder)


def default_model_dir() -> Path:
    """The shipped model: inside the installed package, or models/default in a checkout."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "models" / "default", here.parent / "models" / "default"):
        if (candidate / METADATA_FILE).exists():
            return candidate
    return here.parent / "models" / "default"
