"""Train a model folder from labelled files, and evaluate one on held-out labels."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from sklearn.base import clone

from .batch import BatchLog
from .classifier import ThemeClassifier
from .duplicates import story_vectors
from .embedding import Embedder, HeadlineEmbedder, innermost
from .errors import KcnaThemesError
from .evaluation import calibration_error, cross_validate, theme_scores
from .labels import LabelledArticle, read_labelled, theme_matrix, themes_in
from .metadata import EmbedderSpec
from .model import ThemeModel, save_model, training_hash
from .neighbours import load_index, write_index


def embed_articles(articles: Sequence[LabelledArticle], classifier: ThemeClassifier, batch_size: int = 256,
                   progress=None) -> None:
    """Embed every article once as ``classifier`` reads it, in batches, so the cache is
    warm before cross-validation reads each text several times (and a progress bar can
    count them)."""
    for start in range(0, len(articles), batch_size):
        part = articles[start:start + batch_size]
        classifier.embed([a.capture.embed_text for a in part])
        if progress:
            progress(len(part))


def embedder_spec(embedder: Embedder) -> EmbedderSpec:
    """What the metadata records about the embedder, so tagging can rebuild and check it."""
    inner = innermost(embedder)
    return EmbedderSpec(id=embedder.id, dim=int(embedder.dim), model=getattr(inner, "model", embedder.id),
                        backend=getattr(inner, "backend", None), long_text=getattr(inner, "long_text", None),
                        max_tokens=getattr(inner, "max_tokens", None),
                        headline=isinstance(embedder, HeadlineEmbedder),
                        encoder_sha256=getattr(embedder, "fingerprint", None),
                        encoder_kernels=getattr(inner, "kernels", None))


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


def sample_kind(article: LabelledArticle) -> str:
    """How the article came to be read: ``sample`` up to its colon ("random:2024" ->
    "random", "search:agriculture" -> "search", "rest:2024" -> "rest")."""
    return (article.sample or "").split(":")[0]


def is_random_sample(article: LabelledArticle) -> bool:
    """Drawn uniformly from real output (``sample`` "random" or "random:<era>")."""
    return sample_kind(article) == "random"


def sample_era(article: LabelledArticle) -> str | None:
    """The era a random sample stands for: "random:2024" -> "2024"."""
    parts = (article.sample or "").split(":", 1)
    return (parts[1].strip() or None) if len(parts) == 2 else None


def train_model(label_inputs: Sequence[str], model_dir, embedder: Embedder, log: BatchLog, C: float = 16.0,
                lexical_dims: int = 256, headline_terms: int = 3000, lead_terms: int = 3000, folds: int = 5,
                progress=None,
                thresholds_from: str = "all",
                threshold_rule: str = "half-f1", digest_rule: bool = True, world_news_rule: bool = True,
                read_dateline: bool = False, n_jobs: int | None = None) -> tuple[ThemeModel, dict]:
    """Read labels, cross-validate the recipe, fit on everything, save the folder.

    ``thresholds_from`` "all" chooses each theme's threshold on every article; "random"
    on the articles whose ``sample`` marks them as a random sample of real output (on
    every article when there are none). Trained on some eras and scored on another's
    random sample, "all" did as well on average and better on 2024 (0.874 against 0.855,
    benchmarks/README.md): the older eras' samples set the thresholds for their own
    mix of themes, and 2024's KCNA carries far more construction and leader articles.
    Returns the saved model and its cross-validated scores; the scores on each era's
    random sample are kept apart, as is the calibration error there.
    """
    articles = read_labelled(label_inputs, log)
    if not articles:
        raise KcnaThemesError("no labelled articles to train on")
    themes = themes_in(articles)
    if not themes:
        raise KcnaThemesError("the labelled articles carry no theme at all")
    if folds > len(articles):
        raise KcnaThemesError(f"cannot cross-validate in {folds} folds: only {len(articles)} labelled articles "
                              "were read; use fewer folds")
    Y = theme_matrix(articles, themes)
    texts = [a.capture.embed_text for a in articles]
    random_rows = np.array([is_random_sample(a) for a in articles])
    threshold_rows = random_rows if thresholds_from == "random" and random_rows.any() else None
    recipe = ThemeClassifier(embedder=embedder, themes=themes, C=C, lexical_dims=lexical_dims,
                             headline_terms=headline_terms, lead_terms=lead_terms,
                             threshold_rule=threshold_rule, digest_rule=digest_rule,
                             world_news_rule=world_news_rule, read_dateline=read_dateline)
    embed_articles(articles, recipe, progress=progress)
    cv = cross_validate(recipe, texts, Y, folds=folds, threshold_rows=threshold_rows, n_jobs=n_jobs)
    evaluation = dict(cv.scores)
    if random_rows.sum() >= 20:
        sample = theme_scores(Y[random_rows], cv.decisions[random_rows], themes)
        evaluation["random_sample"] = sample
        evaluation["adjustment_rates"] = adjustment_rates(evaluation["per_theme"], sample["per_theme"])
    by_era = {}
    for era in sorted({e for a in articles if is_random_sample(a) and (e := sample_era(a)) is not None}):
        rows = np.array([is_random_sample(a) and sample_era(a) == era for a in articles])
        by_era[era] = {**theme_scores(Y[rows], cv.decisions[rows], themes),
                       "calibration_error": calibration_error(Y[rows], cv.probs[rows])}
    if by_era:
        evaluation["random_sample_by_era"] = by_era
    classifier = clone(recipe).fit(texts, Y, threshold_rows=threshold_rows)
    ids = [a.capture.id for a in articles]
    years = Counter((a.capture.published or "undated")[:4] for a in articles)
    training = {"size": len(articles), "sha256": training_hash(ids, texts, Y, themes),
                "files": sorted({Path(str(a.capture.path)).name for a in articles}),
                "positives": {t: int(Y[:, j].sum()) for j, t in enumerate(themes)},
                "none": int((Y.sum(axis=1) == 0).sum()),
                "articles_per_year": dict(sorted(years.items())),
                "random_samples": dict(sorted(Counter(a.sample for a in articles if is_random_sample(a)).items())),
                "thresholds_from": "random samples" if threshold_rows is not None else "all labelled articles"}
    model = save_model(model_dir, classifier, embedder_spec(embedder), training, evaluation)
    # the labelled set's index for explain's nearest articles: the vectors come from the cache
    model.metadata = write_index(model_dir, model.metadata, ids, [a.capture.title for a in articles],
                                 [a.capture.published for a in articles],
                                 [[t for j, t in enumerate(themes) if row[j]] for row in Y], model.embed(texts))
    return model, evaluation


MIN_ARTICLES_A_YEAR = 20  # fewer make a year's macro-F1 noise: evaluate gives no line for it


def trained_on(embeddings: np.ndarray, model: ThemeModel) -> np.ndarray | None:
    """Which articles (by their vectors, ``model.embed``) the model was trained on, by their
    text, whatever their ids: those its folder's labelled-set index holds
    (``LabelledIndex.contains``). None when the folder keeps no index to tell by."""
    index = load_index(model.path, model.metadata) if model.path is not None else None
    if index is None:
        return None
    return index.contains(story_vectors(embeddings, model.metadata.embedder.headline))


def evaluate_model(label_inputs: Sequence[str], model: ThemeModel, log: BatchLog, progress=None,
                   include_trained: bool = False) -> dict:
    """Scores of a saved model on labelled articles it was not trained on.

    Scores on articles the model learnt from flatter it (the shipped model gets
    macro-F1 0.99 on its own 2024 labels, 0.886 held out), so those found by
    ``trained_on`` are left out unless ``include_trained``; all of them found is an
    error. ``n_trained`` says how many were found (None: the folder cannot tell).

    A model is good or bad per era, not on average: when the articles span several
    years, ``by_year`` scores each year with ``MIN_ARTICLES_A_YEAR`` articles or more
    ("undated" for those without a date).
    """
    if model.embedder is None:
        raise KcnaThemesError("the model was loaded without an embedder")
    articles = read_labelled(label_inputs, log, known_themes=model.themes)
    if not articles:
        raise KcnaThemesError("no labelled articles to evaluate on")
    embed_articles(articles, model.classifier, progress=progress)
    embeddings = model.embed([a.capture.embed_text for a in articles])  # from the cache just filled
    seen = trained_on(embeddings, model)
    n_trained = None if seen is None else int(seen.sum())
    if seen is not None and n_trained and not include_trained:
        if n_trained == len(articles):
            raise KcnaThemesError(f"the model was trained on all {len(articles)} of these labelled articles, so "
                                  "scores on them would flatter it: evaluate on articles it has not seen (or "
                                  "pass --include-trained to score them anyway)")
        articles = [a for a, s in zip(articles, seen) if not s]
        embeddings = embeddings[~seen]
    Y = theme_matrix(articles, model.themes)
    probs = model.score([a.capture.embed_text for a in articles], embeddings)
    decisions = (probs >= model.classifier.thresholds_).astype(int)
    years = np.array([a.capture.published[:4] if a.capture.published else "undated" for a in articles])
    by_year = {}
    if len(set(years)) > 1:
        for year in sorted(set(years)):
            rows = years == year
            if rows.sum() >= MIN_ARTICLES_A_YEAR:
                by_year[year] = theme_scores(Y[rows], decisions[rows], model.themes) | {
                    "calibration_error": calibration_error(Y[rows], probs[rows])}
    return theme_scores(Y, decisions, model.themes) | {
        "calibration_error": calibration_error(Y, probs), "by_year": by_year,
        "n_trained": n_trained, "trained_included": include_trained}
