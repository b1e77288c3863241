"""The theme classifier: a scikit-learn estimator that reads texts.

``ThemeClassifier`` takes texts as X and the themes as y (a 0/1 matrix, a
DataFrame of 0/1 columns, or a list of theme lists). Inside it two transformers
turn texts into features: ``EmbeddingFeatures`` (the sentence embedding, from
the embedder passed in) and ``LexicalFeatures`` (word and bigram TF-IDF reduced
by SVD); the ``leader`` theme also reads ``ActorFeatures``, whether a leader is the
one acting. Each theme then gets a class-weighted logistic regression, Platt-
calibrated on held-out folds so its scores are probabilities, and a decision
threshold set from out-of-fold scores: half the best F1 they reach (``threshold_rule``).

scikit-learn fits every part; the fitted classifier keeps only their numbers
(each fold's weights and Platt scale, the vocabulary, idf and projection), and
scores with numpy. That is what a model folder stores (``fitted_arrays``): a
file of arrays, loaded without building any object and without skops, whose
start-up cost was most of a single capture's tagging time.

Because it inherits ``BaseEstimator`` and keeps every hyperparameter in
``__init__``, scikit-learn's ``clone``, ``cross_validate``, ``cross_val_predict``
and ``GridSearchCV`` work on it directly, for example::

    from sklearn.model_selection import GridSearchCV
    search = GridSearchCV(ThemeClassifier(embedder=emb), {"C": [4, 16]}, scoring="f1_macro")
    search.fit(texts, Y)

The embedder is a hyperparameter, not learned state: a saved model is stored
without it (``fitted_arrays``) and gets one again when loaded.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any, TypeVar

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from .captures import DATELINE, without_dateline
from .digests import is_digest
from .embedding import Embedder
from .errors import ModelError
from .labels import codebook_order
from .world_news import is_world_news


def _texts(X) -> list[str]:
    if isinstance(X, str):
        raise ValueError("X is one string: pass a list of texts")
    return [str(x) for x in X]


class EmbeddingFeatures(TransformerMixin, BaseEstimator):
    """Texts to sentence embeddings, from the embedder passed in. Learns nothing."""

    def __init__(self, embedder: Embedder | None = None):
        self.embedder = embedder

    def fit(self, X, y=None) -> EmbeddingFeatures:
        return self

    def transform(self, X) -> np.ndarray:
        if self.embedder is None:
            raise ModelError("no embedder: pass embedder= (a model loaded from a folder gets the one it was "
                             "trained with)")
        texts = _texts(X)
        if not texts:
            return np.zeros((0, self.embedder.dim), dtype=np.float32)
        return np.asarray(self.embedder.embed(texts), dtype=np.float32)


_TOKEN = re.compile(r"(?u)\b\w\w+\b")  # scikit-learn's default token_pattern


class LexicalFeatures(TransformerMixin, BaseEstimator):
    """Word and bigram TF-IDF reduced by SVD: a few hundred dense lexical features.

    Set beside the sentence embedding they add what a 256-token window and a
    general-purpose encoder miss (names of places and projects, KCNA's stock
    phrases); on the labelled set they raise cross-validated macro-F1 (see
    benchmarks/README.md). Fitted on training texts only, without labels.

    scikit-learn's ``TfidfVectorizer`` and ``TruncatedSVD`` learn the vocabulary, the
    idf weights and the projection; what is kept is only those arrays, and
    ``tfidf`` computes the vectorizer's transform from them (lower case, its token
    pattern, English stop words dropped before bigrams are formed, sublinear tf,
    l2 norm). So a fitted model is numbers and words, saved and loaded without
    building any object, and scoring imports neither scikit-learn's text module nor
    skops.
    """

    FITTED: tuple[str, ...] = ("terms", "idf", "stop_words", "components")  # the arrays it keeps, as "<name>_"

    def __init__(self, dims: int = 256, vocabulary: int = 10_000, random_state: int = 0):
        self.dims = dims
        self.vocabulary = vocabulary
        self.random_state = random_state

    def fit(self, X, y=None) -> LexicalFeatures:
        from sklearn.decomposition import TruncatedSVD
        from sklearn.feature_extraction.text import TfidfVectorizer

        texts = _texts(X)
        tfidf = TfidfVectorizer(sublinear_tf=True, min_df=2, ngram_range=(1, 2), stop_words="english",
                                max_features=self.vocabulary, dtype=np.float32)
        try:
            tf = tfidf.fit_transform(texts)
        except ValueError:  # too few texts for min_df=2
            tfidf.set_params(min_df=1)
            tf = tfidf.fit_transform(texts)
        dims = max(1, min(self.dims, tf.shape[1] - 1, tf.shape[0] - 1))
        svd = TruncatedSVD(dims, random_state=self.random_state).fit(tf)
        self._adopt(tfidf, svd.components_)
        return self

    def adopt_arrays(self, arrays) -> LexicalFeatures:
        """Take the fitted arrays a model saved: ``arrays[name]`` for each name in ``FITTED``."""
        for name in self.FITTED:
            setattr(self, f"{name}_", np.asarray(arrays[name]))
        self.__dict__.pop("_columns", None)
        return self

    def _adopt(self, tfidf, components) -> None:
        """Keep what a fitted vectorizer and SVD projection need to transform, as arrays."""
        self.terms_ = np.asarray(tfidf.get_feature_names_out(), dtype=str)
        self.idf_ = np.asarray(tfidf.idf_, dtype=np.float32)
        self.stop_words_ = np.asarray(sorted(tfidf.get_stop_words() or ()), dtype=str)
        self.components_ = np.asarray(components, dtype=np.float32)
        self.__dict__.pop("_columns", None)

    @property
    def n_components(self) -> int:
        return int(self.components_.shape[0])

    def tfidf(self, X):
        """The texts' TF-IDF rows (a sparse matrix, columns ``terms_``), as the fitted
        ``TfidfVectorizer`` would give them."""
        from scipy.sparse import csr_matrix

        check_is_fitted(self, "components_")
        if getattr(self, "_columns", None) is None:
            self._columns = {str(term): j for j, term in enumerate(self.terms_)}
            self._stop = frozenset(str(w) for w in self.stop_words_)
        columns, stop = self._columns, self._stop
        data: list[float] = []
        indices: list[int] = []
        indptr = [0]
        for text in _texts(X):
            words = [w for w in _TOKEN.findall(text.lower()) if w not in stop]
            counts: dict[int, int] = {}
            for term in words + [f"{a} {b}" for a, b in zip(words, words[1:])]:
                j = columns.get(term)
                if j is not None:
                    counts[j] = counts.get(j, 0) + 1
            cols = np.fromiter(counts, dtype=np.int64, count=len(counts))
            values = (np.log(np.fromiter(counts.values(), dtype=np.float64, count=len(counts))) + 1) * self.idf_[cols]
            norm = np.sqrt(np.dot(values, values))
            data.extend(values / norm if norm > 0 else values)
            indices.extend(cols)
            indptr.append(len(indices))
        return csr_matrix((np.asarray(data, dtype=np.float32), np.asarray(indices, dtype=np.int64), indptr),
                          shape=(len(indptr) - 1, len(self.terms_)))

    def transform(self, X) -> np.ndarray:
        Z = np.asarray(self.tfidf(X) @ self.components_.T, dtype=np.float32)
        return Z / np.maximum(np.linalg.norm(Z, axis=1, keepdims=True), 1e-12)

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state.pop("_columns", None)
        state.pop("_stop", None)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        """Read lexical features saved with their scikit-learn parts (model format 2, skops; 0.x pickles)."""
        tfidf, svd = state.pop("tfidf_", None), state.pop("svd_", None)
        self.__dict__.update(state)
        if tfidf is not None and svd is not None:
            self._adopt(tfidf, svd.components_)


def headlines(X) -> list[str]:
    """Each classifier text's first line: its headline (``classifier_text``)."""
    return [text.partition("\n")[0] for text in _texts(X)]


_FIRST_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"“])")


def leads(X) -> list[str]:
    """Each classifier text's lead: the body's first sentence, without KCNA's dateline
    ("Pyongyang, January 21 (KCNA) -- "), at most 400 characters."""
    out = []
    for text in _texts(X):
        body = DATELINE.sub("", text.partition("\n")[2].strip())
        out.append(_FIRST_SENTENCE_END.split(body, maxsplit=1)[0][:400])
    return out


class HeadlineTerms(LexicalFeatures):
    """The headline's own words and bigrams, as TF-IDF rows (no SVD).

    KCNA's headlines are formulae that name the theme ("... Visits ...", "Delegation
    Leaves", "... Marked", "Farm Houses Built"), and in the whole text's TF-IDF, reduced
    to 256 SVD dimensions, a headline's few words weigh little. Kept whole, beside the
    rest, they lifted held-out macro-F1 on 2011 by 0.043 and on 2015-2017 by 0.014 (both
    paired intervals above zero), 2017 by 0.011 and all 411 articles of 2024 by 0.004
    (benchmarks/README.md). The vocabulary is the ``vocabulary`` most frequent terms of
    the training headlines that occur in two of them at least. Stop words stay and
    bigrams count: unigrams without stop words, or these at twice or half the weight,
    did worse held out.
    """

    FITTED = ("terms", "idf", "stop_words")

    def __init__(self, vocabulary: int = 3000):
        super().__init__(dims=0, vocabulary=vocabulary)

    @staticmethod
    def part(X) -> list[str]:
        """The part of each text whose terms these are."""
        return headlines(X)

    def fit(self, X, y=None) -> HeadlineTerms:
        from sklearn.feature_extraction.text import TfidfVectorizer

        heads = self.part(X)
        for min_df in (2, 1):  # 1: too few headlines to share a term
            tfidf = TfidfVectorizer(sublinear_tf=True, min_df=min_df, ngram_range=(1, 2),
                                    max_features=self.vocabulary, dtype=np.float32)
            try:
                tfidf.fit(heads)
            except ValueError:  # no term at all (or none in two headlines)
                continue
            self._adopt(tfidf, np.zeros((0, len(tfidf.vocabulary_)), dtype=np.float32))
            return self
        return self.adopt_arrays({"terms": np.zeros(0, dtype=str), "idf": np.zeros(0, dtype=np.float32),
                                  "stop_words": np.zeros(0, dtype=str)})

    def adopt_arrays(self, arrays) -> HeadlineTerms:
        super().adopt_arrays(arrays)
        self.components_ = np.zeros((0, self.n_terms), dtype=np.float32)  # no projection: the rows themselves
        return self

    @property
    def n_terms(self) -> int:
        return len(self.terms_)

    def transform(self, X) -> np.ndarray:
        return np.asarray(self.tfidf(self.part(X)).toarray(), dtype=np.float32)


class LeadTerms(HeadlineTerms):
    """The lead sentence's own words and bigrams, as TF-IDF rows, for ``leader``.

    KCNA's lead says who acts and how: "Respected Comrade Kim Jong Un, general secretary
    of the WPK, inspected ...", "Kim Jong Un sent a message of greeting to ...", where a
    headline or a 64-token window may not ("New Ladders in Douche Place"). Read by the
    ``actor_themes`` only, beside the who-acts counts: held out, it lifted ``leader`` on
    2024's random sample from 0.92 to 0.95 and moved no other era's macro-F1 down
    (benchmarks/README.md). Read by every theme, it cost 2024's ``agriculture`` and
    ``construction`` more than it gave.
    """

    @staticmethod
    def part(X) -> list[str]:
        return leads(X)


_LEADER = (r"(?:Kim\s+(?:Jong\s+Un|Jong\s+Il|Il\s+Sung|Jong\s+Suk)|Supreme\s+Leader|General\s+Secretary|"
           r"Generalissimo|Marshal|Chairman|President)")
_ACTS = (r"(?:\w+ed|\w+s|said|gave|made|took|saw|met|sent|told|went|came|set|put|left|found|felt|knew|thought|became|"
         r"taught|led|held|wrote|read|spoke|chose|drove|ran|stood|brought|built|sat)")
_LEADER_ACTS = re.compile(_LEADER + r"\s+(?:\w+ly\s+)?" + _ACTS + r"\b")
_HE_ACTS = re.compile(r"(?:^|[.!?]\s+|\n)He\s+(?:\w+ly\s+)?" + _ACTS + r"\b")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


class ActorFeatures(TransformerMixin, BaseEstimator):
    """Who acts: how often a leader is the subject of a verb ("Kim Jong Un visited",
    "He said"), in the headline, the lead and the whole body.

    A leader's visit told as a story under a headline that does not name him
    ("New Ladders in Douche Place") is ``leader`` (rulings 3 and 12), and the
    sentence embedding, which follows the topic (a water park), misses it; a harvest
    report that names him in passing is not. Five numbers, learned from nothing:
    log counts of leader-subject clauses in the body, of "He <verb>" sentences, of
    leader-subject clauses in the lead, the share of sentences that are either, and
    whether the headline has one.
    """

    WIDTH = 5  # the numbers each text gets

    def fit(self, X, y=None) -> ActorFeatures:
        return self

    def transform(self, X) -> np.ndarray:
        rows = []
        for text in _texts(X):
            headline, _, body = text.partition("\n")
            leader, he = len(_LEADER_ACTS.findall(body)), len(_HE_ACTS.findall(body))
            sentences = max(len(_SENTENCE_END.split(body)), 1)
            rows.append([np.log1p(leader), np.log1p(he), np.log1p(len(_LEADER_ACTS.findall(body[:600]))),
                         min((leader + he) / sentences, 1.0), float(bool(_LEADER_ACTS.search(headline)))])
        return np.asarray(rows, dtype=np.float32).reshape(-1, self.WIDTH)


class ThemeClassifier(ClassifierMixin, BaseEstimator):
    """Multi-label theme classifier over texts: one calibrated logistic regression per theme.

    Parameters
    ----------
    embedder : what turns texts into sentence embeddings (an ``Embedder``).
    themes : the themes in column order; default: those found in y, codebook order first.
    C : inverse regularisation strength of each logistic regression.
    lexical_dims : size of the lexical features (0: embeddings only).
    lexical_vocabulary : most frequent words and bigrams the lexical features keep.
    class_weight : "balanced" weights each theme's rare positives up.
    calibration_folds : folds for Platt scaling (sigmoid) of each theme's scores.
    threshold_folds : folds for the out-of-fold scores that thresholds are chosen on.
    headline_terms : vocabulary of the headline's own TF-IDF rows (``HeadlineTerms``) set
        beside the rest (0: none).
    lead_terms : vocabulary of the lead sentence's own TF-IDF rows (``LeadTerms``), read
        by the ``actor_themes`` beside the who-acts counts (0: none).
    actor_themes : themes whose regression also reads ``ActorFeatures`` (who acts). Only
        ``leader`` by default: trained on other eras and tested on 2024's random sample,
        it raised leader F1 from 0.85 to 0.88 (mean of four seeds) and left the other
        eras' leader F1 where it was (benchmarks/README.md).
    threshold_rule : how each theme's threshold comes from its out-of-fold scores.
        "half-f1": half the best F1 any cut-off reaches on them, the cut-off that
        maximises expected F1 when the scores are calibrated probabilities (Lipton,
        Elkan and Narayanaswamy 2014), as Platt scaling makes them. "best-f1": the
        cut-off that reaches that best F1 itself, which follows the noise of the
        few scores near it. Held out, "half-f1" raised macro-F1 on 2015-2017 by
        0.024 and on 2011 by 0.013 and left 2017 and 2024 where they were
        (benchmarks/README.md).
    digest_rule : score a digest (a "Press Review", a list of one-line items) zero on
        every theme, as codebook ruling 11 has it (``digests.is_digest``). Eras
        without digests cannot teach it: trained on 2011 and 2015-2017 and tested on
        2024's random sample, the rule raised macro-F1 from 0.875 to 0.879 and cut
        the calibration error there (benchmarks/README.md).
    world_news_rule : score world news, an article that names nothing of the DPRK,
        zero on every theme, as codebook ruling 6 has it (``world_news.is_world_news``).
        A quarter of 2011's articles are such news and the later eras carry almost
        none, so a model trained on them cannot learn it (benchmarks/README.md).
    read_dateline : whether the learned features (embedding, terms, who acts) read
        KCNA's dateline; False reads each text without it (``reads``), as the other
        outlets and 2011's corpus print their articles. The rulings read the whole text
        either way: "Pyongyang" in a dateline does say the report is the DPRK's own.
        Held out, reading the articles without it lifted 2011 and 2024 and cost
        2015-2017, whose KCNA articles share the dateline with 2024's
        (benchmarks/README.md).
    random_state : seed for every fold split.
    """

    def __init__(self, embedder: Embedder | None = None, themes: Sequence[str] | None = None, C: float = 16.0,
                 lexical_dims: int = 256, lexical_vocabulary: int = 10_000, class_weight: str | None = "balanced",
                 headline_terms: int = 3000, lead_terms: int = 3000, calibration_folds: int = 3,
                 threshold_folds: int = 5,
                 actor_themes: Sequence[str] = ("leader",),
                 threshold_rule: str = "half-f1", digest_rule: bool = True, world_news_rule: bool = True,
                 read_dateline: bool = False, random_state: int = 0):
        self.embedder = embedder
        self.themes = themes
        self.C = C
        self.lexical_dims = lexical_dims
        self.lexical_vocabulary = lexical_vocabulary
        self.headline_terms = headline_terms
        self.lead_terms = lead_terms
        self.class_weight = class_weight
        self.calibration_folds = calibration_folds
        self.threshold_folds = threshold_folds
        self.actor_themes = actor_themes
        self.threshold_rule = threshold_rule
        self.digest_rule = digest_rule
        self.world_news_rule = world_news_rule
        self.read_dateline = read_dateline
        self.random_state = random_state

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.string = True
        tags.input_tags.two_d_array = False
        tags.target_tags.multi_output = True
        if tags.classifier_tags is not None:
            tags.classifier_tags.multi_label = True
        return tags

    # ------------------------------------------------------------ learning

    def _binarize(self, y) -> tuple[np.ndarray, list[str]]:
        """y as an (n, k) 0/1 matrix, and the themes naming its columns."""
        from sklearn.preprocessing import MultiLabelBinarizer

        columns = getattr(y, "columns", None)
        if columns is not None:  # a DataFrame of 0/1 columns named by theme
            Y, names = np.asarray(y).astype(int), [str(c) for c in columns]
        elif len(y) and not isinstance(y[0], (list, tuple, set, frozenset)) and np.ndim(y) == 2:
            Y = np.asarray(y).astype(int)
            names = list(self.themes) if self.themes is not None else [str(j) for j in range(Y.shape[1])]
        else:  # a list of theme lists
            names = list(self.themes) if self.themes is not None else codebook_order(t for ts in y for t in ts)
            unknown = sorted({t for ts in y for t in ts} - set(names))
            if unknown:
                raise ValueError(f"themes not in themes=: {', '.join(unknown)}")
            Y = MultiLabelBinarizer(classes=names).fit_transform(y)
            names = list(names)
        if Y.ndim != 2 or Y.shape[1] != len(names):
            raise ValueError(f"y has {Y.shape[-1]} columns but {len(names)} themes")
        if self.themes is not None and list(self.themes) != names:
            Y = Y[:, [names.index(t) for t in self.themes]]
            names = list(self.themes)
        return Y, names

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

    def _features(self, texts: list[str], embeddings: np.ndarray | None = None) -> np.ndarray:
        E = EmbeddingFeatures(self.embedder).transform(texts) if embeddings is None else np.asarray(
            embeddings, dtype=np.float32)
        if E.shape[1] != self.n_embedding_dims_:
            raise ModelError(f"embeddings have dimension {E.shape[1]}, the classifier expects "
                             f"{self.n_embedding_dims_}")
        parts = [E] + [part.transform(texts) for part in (self.lexical_, self.headline_) if part is not None]
        return parts[0] if len(parts) == 1 else np.hstack(parts)

    def fit(self, X, y, threshold_rows: np.ndarray | None = None,
            sample_weight: np.ndarray | None = None) -> ThemeClassifier:
        """X: texts; y: (n, k) 0/1 matrix or DataFrame, or a list of theme lists.

        ``threshold_rows`` (a boolean mask) chooses each theme's threshold on the
        out-of-fold scores of those rows only: the random samples of real output,
        where a rare theme is as rare as users meet it, rather than the whole set,
        which was enriched with searched-for examples. A theme with fewer than 5
        positives among those rows falls back to all rows.

        ``sample_weight`` weighs each article in every regression and its Platt
        scaling, as scikit-learn's estimators do (``benchmarks/eras.py`` weighs eras
        with it); the thresholds are chosen on unweighted out-of-fold scores.
        """
        if self.threshold_rule not in THRESHOLD_RULES:
            raise ValueError(f"threshold_rule must be one of {', '.join(THRESHOLD_RULES)}, not {self.threshold_rule!r}")
        texts = _texts(X)
        Y, names = self._binarize(y)
        if len(texts) != len(Y):
            raise ValueError(f"{len(texts)} texts but {len(Y)} rows of labels")
        weights = None if sample_weight is None else np.asarray(sample_weight, dtype=float)
        if weights is not None and (weights.shape != (len(Y),) or not np.all(np.isfinite(weights))
                                    or np.any(weights < 0) or not weights.any()):
            raise ValueError(f"sample_weight must be {len(Y)} finite weights of at least 0, not all 0")
        self.classes_ = np.array(names, dtype=str)
        read = self.reads(texts)
        E = EmbeddingFeatures(self.embedder).transform(read)
        self.n_embedding_dims_ = E.shape[1]
        self.lexical_ = (LexicalFeatures(self.lexical_dims, self.lexical_vocabulary, self.random_state).fit(read)
                         if self.lexical_dims else None)
        self.headline_ = HeadlineTerms(self.headline_terms).fit(read) if self.headline_terms else None
        self.actor_columns_ = [j for j, t in enumerate(self.classes_) if t in self.actor_themes]
        self.lead_ = LeadTerms(self.lead_terms).fit(read) if self.lead_terms and self.actor_columns_ else None
        F = self._features(read, E)
        k = Y.shape[1]
        A = self._actor_features(read)
        self._adopt([self._theme_model(Y[:, j]).fit(self._for_theme(F, A, j), Y[:, j], sample_weight=weights)
                     for j in range(k)])
        oof = self._out_of_fold(F, A, Y, weights)
        ruled = self.ruled_none_mask(texts)
        oof[ruled] = np.where(np.isnan(oof[ruled]), np.nan, 0.0)  # thresholds on the scores predict_proba gives
        rows = np.ones(len(Y), dtype=bool) if threshold_rows is None else np.asarray(threshold_rows, dtype=bool)
        thresholds = []
        for j in range(k):
            use = rows if Y[rows, j].sum() >= 5 else np.ones(len(Y), dtype=bool)
            rule = THRESHOLD_RULES[self.threshold_rule]
            thresholds.append(0.5 if np.isnan(oof[0, j]) else rule(Y[use, j], oof[use, j]))
        self.thresholds_ = np.array(thresholds)
        return self

    def _adopt(self, models: list) -> None:
        """Keep each theme's fitted model as numbers: for every calibration fold, the
        logistic regression's weights and intercept and the Platt scale (a, b), whose
        probability is 1 / (1 + exp(a * decision + b)), averaged over the folds as
        ``CalibratedClassifierCV`` does; a theme too rare to learn keeps its base rate."""
        self.coefs_, self.intercepts_, self.platt_, priors = [], [], [], []
        for model in models:
            folds = getattr(model, "calibrated_classifiers_", None) or []
            for fold in folds:
                if list(fold.estimator.classes_) != [0, 1] or len(fold.calibrators) != 1:
                    raise ModelError("a theme model that is not a binary 0/1 regression cannot be kept")
            self.coefs_.append(np.array([np.ravel(f.estimator.coef_) for f in folds], dtype=np.float64))
            self.intercepts_.append(np.array([float(f.estimator.intercept_[0]) for f in folds]))
            self.platt_.append(np.array([[f.calibrators[0].a_, f.calibrators[0].b_] for f in folds], dtype=np.float64))
            if folds:
                priors.append(np.nan)
            else:  # a DummyClassifier: the positive class's share of the training labels
                classes = list(model.classes_)
                priors.append(float(model.class_prior_[classes.index(1)]) if 1 in classes else 0.0)
        self.priors_ = np.array(priors)

    def _actor_features(self, texts: list[str]) -> np.ndarray | None:
        """What the actor themes read besides the shared features: who acts, and the lead's terms."""
        if not self.actor_columns_:
            return None
        A = ActorFeatures().transform(texts)
        return A if self.lead_ is None else np.hstack([A, self.lead_.transform(texts)])

    def _scored_features(self, texts: list[str], embeddings: np.ndarray | None
                         ) -> tuple[np.ndarray, np.ndarray | None]:
        """The shared features and the actor themes' own (``_for_theme`` joins them), of the
        texts as the features read them: computed once, not once per theme."""
        if embeddings is not None and len(embeddings) != len(texts):
            raise ValueError(f"{len(texts)} texts but {len(embeddings)} embeddings")
        read = self.reads(texts)
        return self._features(read, embeddings).astype(np.float64), self._actor_features(read)

    def _for_theme(self, F: np.ndarray, A: np.ndarray | None, j: int) -> np.ndarray:
        """Theme j's features: the shared ones, and who acts for the themes that use it."""
        return np.hstack([F, A]) if A is not None and j in self.actor_columns_ else F

    def _out_of_fold(self, F: np.ndarray, A: np.ndarray | None, Y: np.ndarray,
                     weights: np.ndarray | None = None) -> np.ndarray:
        """Each theme's out-of-fold probabilities, from the features already computed.

        Each fold builds its theme model from its own training part, so a rare
        theme's calibration folds fit the positives that part really has.
        """
        from sklearn.model_selection import StratifiedKFold

        oof = np.zeros(Y.shape, dtype=float)
        for j in range(Y.shape[1]):
            y = Y[:, j]
            n_splits = min(self.threshold_folds, int(y.sum()), int(len(y) - y.sum()))
            if n_splits < 2:
                oof[:, j] = np.nan  # no held-out scores to choose from
                continue
            folds = StratifiedKFold(n_splits, shuffle=True, random_state=self.random_state)
            Fj = self._for_theme(F, A, j)
            for train, test in folds.split(Fj, y):
                model = self._theme_model(y[train]).fit(
                    Fj[train], y[train], sample_weight=None if weights is None else weights[train])
                oof[test, j] = _positive_column(model, Fj[test])
        return oof

    # ------------------------------------------------------------ scoring

    @property
    def themes_(self) -> list[str]:
        """The themes, in column order."""
        check_is_fitted(self, "classes_")
        return [str(t) for t in self.classes_]

    def predict_proba(self, X, embeddings: np.ndarray | None = None, rulings: bool = True) -> np.ndarray:
        """(n, k) probabilities; column j is ``themes_[j]``.

        ``embeddings``: the vectors this classifier's embedder gives ``reads(X)``, when
        the caller has them already (``tag`` keeps them to mark near-duplicates).
        ``rulings=False`` gives the regressions' scores without the rulings that set
        a whole article to no theme: for parts of an article (the explainer's
        sentences), which rarely name the DPRK themselves and are never digests.
        """
        check_is_fitted(self, "coefs_")
        texts = _texts(X)
        if not texts:
            return np.zeros((0, len(self.coefs_)))
        F, A = self._scored_features(texts, embeddings)
        columns = []
        for j, (coef, intercept, platt) in enumerate(zip(self.coefs_, self.intercepts_, self.platt_)):
            if not len(coef):
                columns.append(np.full(len(texts), self.priors_[j]))
                continue
            decision = self._for_theme(F, A, j) @ coef.T + intercept
            with np.errstate(over="ignore"):
                columns.append((1.0 / (1.0 + np.exp(platt[:, 0] * decision + platt[:, 1]))).mean(axis=1))
        probs = np.column_stack(columns)
        if rulings:
            probs[self.ruled_none_mask(texts)] = 0.0
        return probs

    def feature_blocks(self, j: int) -> dict[str, slice]:
        """Where each block of features sits in theme j's weights, in the order
        ``predict_proba`` stacks them: the embedding, the whole text's lexical features,
        the headline's terms, and, for a theme that reads who acts, the who-acts counts
        and the lead's terms. A block the model lacks is left out."""
        widths = {"embedding": self.n_embedding_dims_,
                  "lexical": self.lexical_.n_components if self.lexical_ is not None else 0,
                  "headline": self.headline_.n_terms if self.headline_ is not None else 0}
        if j in self.actor_columns_:
            widths |= {"actors": ActorFeatures.WIDTH, "lead": self.lead_.n_terms if self.lead_ is not None else 0}
        blocks, start = {}, 0
        for name, width in widths.items():
            if width:
                blocks[name] = slice(start, start + width)
                start += width
        return blocks

    def decision_parts(self, X, embeddings: np.ndarray | None = None) -> list[dict[str, np.ndarray]]:
        """Per theme, its decision function (log-odds before Platt scaling, with the
        weights averaged over the calibration folds) split into the ``intercept`` and
        what each block of ``feature_blocks`` adds: one array per part, one value per
        text, adding up to that decision exactly. Empty for a theme too rare to learn.

        So an explanation can say which kind of evidence moved a score, the who-acts
        counts and the lead's terms included. The rulings that set a whole article to
        no theme come after the decision and are not in it. ``embeddings`` as for
        ``predict_proba``.
        """
        check_is_fitted(self, "coefs_")
        texts = _texts(X)
        F, A = self._scored_features(texts, embeddings)
        parts: list[dict[str, np.ndarray]] = []
        for j, (coef, intercept) in enumerate(zip(self.coefs_, self.intercepts_)):
            if not len(coef):
                parts.append({})
                continue
            features, weights = self._for_theme(F, A, j), coef.mean(axis=0)
            theme = {"intercept": np.full(len(texts), float(intercept.mean()))}
            for name, block in self.feature_blocks(j).items():
                theme[name] = features[:, block] @ weights[block]
            parts.append(theme)
        return parts

    def reads(self, X) -> list[str]:
        """The texts as the learned features read them: without KCNA's dateline unless
        ``read_dateline`` (the rulings read them whole)."""
        texts = _texts(X)
        return texts if self.read_dateline else [without_dateline(t) for t in texts]

    def embed(self, X) -> np.ndarray:
        """The embedder's vectors of ``reads(X)``: what ``predict_proba`` takes as ``embeddings``."""
        return EmbeddingFeatures(self.embedder).transform(self.reads(X))

    def digest_mask(self, texts: Sequence[str]) -> np.ndarray:
        """Which texts ruling 11 sets to no theme (none when the rule is off)."""
        return np.array([self.digest_rule and is_digest(t) for t in texts], dtype=bool)

    def world_news_mask(self, texts: Sequence[str]) -> np.ndarray:
        """Which texts ruling 6 sets to no theme (none when the rule is off)."""
        return np.array([self.world_news_rule and is_world_news(t) for t in texts], dtype=bool)

    def ruled_none_mask(self, texts: Sequence[str]) -> np.ndarray:
        """Which texts a ruling, not the regressions, scores zero on every theme."""
        return self.digest_mask(texts) | self.world_news_mask(texts)

    def predict(self, X) -> np.ndarray:
        """(n, k) 0/1 decisions: each theme's probability against its own threshold."""
        return (self.predict_proba(X) >= self.thresholds_).astype(int)

    def recipe(self) -> dict[str, Any]:
        """The hyperparameters as plain JSON values: all but the embedder, which a model
        folder names in its metadata instead. Stored with the arrays and in metadata.json."""
        return {k: (list(v) if isinstance(v, tuple) else v)
                for k, v in self.get_params(deep=False).items() if k != "embedder"}

    def fitted_arrays(self) -> dict[str, np.ndarray]:
        """Everything the fitted classifier scores with, as named numpy arrays (no
        objects): what a model folder stores, and ``from_fitted_arrays`` reads back."""
        check_is_fitted(self, "coefs_")
        arrays = {"params": np.array(json.dumps(self.recipe())), "themes": np.asarray(self.classes_, dtype=str),
                  "thresholds": np.asarray(self.thresholds_, dtype=np.float64),
                  "n_embedding_dims": np.array(self.n_embedding_dims_),
                  "actor_columns": np.asarray(self.actor_columns_, dtype=np.int64),
                  "priors": self.priors_}
        for j, (coef, intercept, platt) in enumerate(zip(self.coefs_, self.intercepts_, self.platt_)):
            arrays |= {f"coef_{j}": coef, f"intercept_{j}": intercept, f"platt_{j}": platt}
        for prefix in _TEXT_PARTS:
            part = getattr(self, f"{prefix}_")
            if part is not None:
                arrays |= {f"{prefix}_{name}": getattr(part, f"{name}_") for name in part.FITTED}
        return arrays

    @classmethod
    def from_fitted_arrays(cls, arrays) -> ThemeClassifier:
        """The classifier ``fitted_arrays`` describes; raises ``KeyError`` or ``ValueError``
        when an array is missing or has the wrong shape."""
        themes = [str(t) for t in arrays["themes"]]
        known = {"params", "themes", "thresholds", "n_embedding_dims", "actor_columns", "priors"} | {
            f"{kind}_{j}" for kind in ("coef", "intercept", "platt") for j in range(len(themes))} | {
            f"{prefix}_{name}" for prefix, kind in _TEXT_PARTS.items() for name in kind.FITTED}
        unknown = sorted(set(arrays.keys()) - known)
        if unknown:
            raise ValueError(f"arrays this format does not have: {', '.join(unknown)}")
        # saved before the threshold rule or a ruling was a parameter
        params = {"threshold_rule": "best-f1", "digest_rule": False, "world_news_rule": False,
                  "headline_terms": 0, "lead_terms": 0, "read_dateline": True} | json.loads(str(arrays["params"]))
        clf = cls(**params)
        clf.classes_ = np.asarray(themes, dtype=str)
        clf.thresholds_ = np.asarray(arrays["thresholds"], dtype=np.float64)
        clf.n_embedding_dims_ = int(arrays["n_embedding_dims"])
        clf.actor_columns_ = [int(j) for j in arrays["actor_columns"]]
        clf.priors_ = np.asarray(arrays["priors"], dtype=np.float64)
        clf.coefs_ = [np.asarray(arrays[f"coef_{j}"], dtype=np.float64) for j in range(len(themes))]
        clf.intercepts_ = [np.asarray(arrays[f"intercept_{j}"], dtype=np.float64) for j in range(len(themes))]
        clf.platt_ = [np.asarray(arrays[f"platt_{j}"], dtype=np.float64).reshape(-1, 2) for j in range(len(themes))]
        clf.lexical_ = _part_from_arrays(LexicalFeatures(clf.lexical_dims, clf.lexical_vocabulary, clf.random_state),
                                         arrays, "lexical")
        clf.headline_ = _part_from_arrays(HeadlineTerms(clf.headline_terms), arrays, "headline")
        clf.lead_ = _part_from_arrays(LeadTerms(clf.lead_terms), arrays, "lead")
        for j, (coef, intercept, platt) in enumerate(zip(clf.coefs_, clf.intercepts_, clf.platt_)):
            width = max(block.stop for block in clf.feature_blocks(j).values())
            if (len(coef) and (coef.ndim != 2 or coef.shape[1] != width)) or not (
                    len(coef) == len(intercept) == len(platt)):
                raise ValueError(f"theme {themes[j]!r}: weights of shape {coef.shape}, expected (folds, {width})")
        if not len(themes) == len(clf.thresholds_) == len(clf.priors_):
            raise ValueError(f"{len(themes)} themes but {len(clf.thresholds_)} thresholds")
        return clf

    def __setstate__(self, state: dict[str, Any]) -> None:
        """Read a classifier saved by an earlier version, with its scikit-learn models:
        one pickled by kcna-themes 0.x (``--trust-pickle``) took embeddings and texts
        apart and named its themes in ``themes_``; one saved with skops (model format 2)
        named them in ``binarizer_``; one saved before who-acts features reads none."""
        if "themes_" in state:
            state["classes_"] = np.asarray(list(state.pop("themes_")), dtype=str)
            state["n_embedding_dims_"] = state.pop("n_features_in_")
            state.setdefault("embedder", None)
            state.setdefault("themes", None)
        state.pop("binarizer_", None)
        models = state.pop("estimators_", None)
        state.setdefault("actor_themes", ())
        state.setdefault("actor_columns_", [])
        state.setdefault("threshold_rule", "best-f1")
        state.setdefault("digest_rule", False)
        state.setdefault("world_news_rule", False)
        state.setdefault("read_dateline", True)
        state.setdefault("headline_terms", 0)
        state.setdefault("headline_", None)
        state.setdefault("lead_terms", 0)
        state.setdefault("lead_", None)
        self.__dict__.update(state)
        if models is not None:
            self._adopt(models)


_Part = TypeVar("_Part", bound=LexicalFeatures)
_TEXT_PARTS: dict[str, type[LexicalFeatures]] = {"lexical": LexicalFeatures, "headline": HeadlineTerms,
                                                 "lead": LeadTerms}  # by their prefix in a model's arrays,
# which is also the fitted attribute's name: "lexical" is ``lexical_``


def _part_from_arrays(part: _Part, arrays, prefix: str) -> _Part | None:
    """A text part's features (``part``, unfitted) from a model's arrays ``<prefix>_<name>``, or
    None when the model has none of them; one array missing of several is a ``KeyError``."""
    if not any(f"{prefix}_{name}" in arrays for name in part.FITTED):
        return None
    return part.adopt_arrays({name: arrays[f"{prefix}_{name}"] for name in part.FITTED})


def _positive_column(estimator, X: np.ndarray) -> np.ndarray:
    """Probability of the positive class, found through ``classes_``, not by position."""
    classes = list(estimator.classes_)
    if 1 not in classes:  # trained on negatives only
        return np.zeros(len(X))
    return estimator.predict_proba(X)[:, classes.index(1)]


def _best_f1(y: np.ndarray, scores: np.ndarray) -> tuple[float, float]:
    """The score cut-off that maximises F1 on (y, scores), midway between neighbours, and that F1."""
    order = np.argsort(-scores)
    s, t = scores[order], y[order]
    tp = np.cumsum(t)
    k = np.arange(1, len(t) + 1)
    f1 = 2 * tp / (k + t.sum())
    last_of_run = np.r_[s[1:] != s[:-1], True]  # only cut between distinct scores
    f1 = np.where(last_of_run, f1, -1)
    i = int(np.argmax(f1))
    below = s[i + 1] if i + 1 < len(s) else 0.0
    return float(np.clip((s[i] + below) / 2, 0.01, 0.99)), float(f1[i])


def best_f1_threshold(y: np.ndarray, scores: np.ndarray) -> float:
    """The score cut-off that maximises F1 on (y, scores); midway between neighbours."""
    return _best_f1(y, scores)[0]


def half_best_f1_threshold(y: np.ndarray, scores: np.ndarray) -> float:
    """Half the best F1 that any cut-off reaches on (y, scores), as a cut-off.

    For calibrated probabilities the cut-off that maximises expected F1 is half that
    F1 (Lipton, Elkan and Narayanaswamy, "Thresholding classifiers to maximize F1
    score", 2014); it depends on the scores only through the F1 they reach, so it does
    not follow the noise of the few scores near the empirical best cut-off.
    """
    return float(np.clip(_best_f1(y, scores)[1] / 2, 0.01, 0.99))


THRESHOLD_RULES = {"half-f1": half_best_f1_threshold, "best-f1": best_f1_threshold}
