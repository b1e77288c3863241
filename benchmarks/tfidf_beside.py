"""The shipped classifier with the TF-IDF rows themselves as features: tried, not shipped.

``LexicalFeatures`` reduces the word and bigram TF-IDF (10,000 terms) to 256 SVD
dimensions learned on the training texts. A rare, telling term (a project's name, a
new title of a leader) may be lost in that reduction; here the logistic regression
also reads the sparse TF-IDF rows (``TFIDF_WEIGHT`` times each unit-length row), or
reads them instead of the SVD. ``benchmarks/eras.py`` scores them held out (recipes
"TF-IDF rows beside the SVD" and so on) and ``eras_paired.py`` against the shipped one.

Each variant is a class (its weight and whether the SVD stays are class attributes), so
that a recipe in ``eras.py`` names it as its estimator. These classifiers score what
they fit, for the benchmark; a model folder cannot keep them (its arrays assume the
dense features of ``ThemeClassifier``).
"""

from __future__ import annotations

import scipy.sparse as sp

from kcna_themes.classifier import ThemeClassifier


class TfidfBeside(ThemeClassifier):
    """Embedding, SVD and the TF-IDF rows, as one sparse matrix."""

    TFIDF_WEIGHT = 1.0
    KEEP_SVD = True

    def _features(self, texts, embeddings=None):
        dense = super()._features(texts, embeddings)  # the embedding and its SVD, as shipped
        if not self.KEEP_SVD:
            dense = dense[:, :self.n_embedding_dims_]
        return sp.hstack([sp.csr_matrix(dense), self.lexical_.tfidf(texts) * self.TFIDF_WEIGHT]).tocsr()

    def _for_theme(self, F, A, j):
        return sp.hstack([F, sp.csr_matrix(A)]).tocsr() if A is not None and j in self.actor_columns_ else F


class TfidfBesideDouble(TfidfBeside):
    TFIDF_WEIGHT = 2.0


class TfidfInsteadOfSvd(TfidfBeside):
    KEEP_SVD = False
