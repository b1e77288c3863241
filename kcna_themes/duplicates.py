"""Mark near-duplicates: the same story published or captured twice is counted once.

KCNA reprints Rodong Sinmun, Naenara carries KCNA's story, and an analyst saves the
same page twice. ``tag`` gives every record a ``duplicate_of``: the id of the first
occurrence of its story in the run, or None. The first occurrence is the first in
input order (files in the order given, records in file order), and a copy of a copy
points at the first.

"Near" is measured on what ``tag`` computes anyway: the cosine of the article's
embedding (title and body, the vector the classifier reads, without its headline half)
and the overlap of the titles' words, between articles at most ``window_days`` apart,
plus a 64-bit SimHash of the body's words. Two articles are the same story when their
bodies are near-verbatim, or the embeddings are almost identical whatever the headlines
(a reprint under a new headline), or very close and the headlines share half their
words. The thresholds were chosen on pairs read and judged by hand
(``benchmarks/duplicates.py`` scores the rule on them; ``benchmarks/README.md``).

Scale: each article is compared only with the articles of the days in its window (a
few hundred for KCNA's output), never with the whole run, and kept as a float16 vector
of its day: memory grows by under 1 KB per article (a year of KCNA, ~12,000 articles,
holds about 9 MB), and time by the window's size. Undated articles cannot be placed in
a window: they are compared with the most recent ``max_undated`` undated articles of the
run only, never with dated ones.
"""

from __future__ import annotations

import hashlib
import re
from collections import deque
from dataclasses import dataclass
from datetime import date

import numpy as np

_WORD = re.compile(r"[^\W_]+")
_TITLE_STOPWORDS = frozenset("a an and at by for from in of on the to with".split())


@dataclass(frozen=True)
class DuplicateRule:
    """When two articles within ``window_days`` of each other are one story."""

    same_body_bits: int = 3          # bodies this close (SimHash bits apart): one story, whatever else
    same_text_cosine: float = 0.94   # embeddings this close: one story, whatever the headlines
    similar_cosine: float = 0.92     # close embeddings ...
    similar_title: float = 0.5       # ... and headlines sharing at least half their words
    window_days: int = 3

    def is_same_story(self, cosine: float, title_overlap: float, body_bits: int = 64) -> bool:
        if body_bits <= self.same_body_bits or cosine >= self.same_text_cosine:
            return True
        return cosine >= self.similar_cosine and title_overlap >= self.similar_title


DEFAULT_RULE = DuplicateRule()


def title_words(title: str | None) -> frozenset[str]:
    return frozenset(w for w in _WORD.findall((title or "").lower()) if w not in _TITLE_STOPWORDS)


def title_overlap(a: frozenset[str], b: frozenset[str]) -> float:
    """Jaccard overlap of two headlines' words (0 when either has none)."""
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


def body_hash(text: str) -> int:
    """A 64-bit SimHash of the body's word trigrams: near-verbatim bodies differ in a few bits.

    The article embedding reads the headline first, so a short article reprinted under a
    new headline can move far in cosine; its body, compared word for word, does not.
    """
    words = _WORD.findall(text.lower())
    grams = [" ".join(words[i:i + 3]) for i in range(max(1, len(words) - 2))]
    hashes = np.array([int.from_bytes(hashlib.blake2b(g.encode(), digest_size=8).digest(), "little") for g in grams],
                      dtype=np.uint64)
    bits = (hashes[:, None] >> np.arange(64, dtype=np.uint64)) & np.uint64(1)
    votes = bits.astype(np.int64).sum(axis=0) * 2 - len(grams)
    return sum(1 << int(i) for i in np.flatnonzero(votes > 0))


def story_vectors(vectors: np.ndarray, headline: bool) -> np.ndarray:
    """The article part of the classifier's vectors, unit length, float16.

    With a headline model the classifier reads [article, headline] side by side; the
    headline half is left out, so a reprint under a new headline stays close.
    """
    X = np.asarray(vectors, dtype=np.float32)
    if headline:
        X = X[:, : X.shape[1] // 2]
    X = X / np.maximum(np.linalg.norm(X, axis=1, keepdims=True), 1e-12)
    return X.astype(np.float16)


def _day(published: str | None) -> int | None:
    try:
        return date.fromisoformat(str(published)[:10]).toordinal() if published else None
    except ValueError:
        return None


class _Bucket:
    """The articles of one day (or the recent undated ones): ids, order, titles, vectors."""

    def __init__(self, maxlen: int | None = None):
        self.roots: deque[str] = deque(maxlen=maxlen)
        self.order: deque[int] = deque(maxlen=maxlen)
        self.titles: deque[frozenset[str]] = deque(maxlen=maxlen)
        self.vectors: deque[np.ndarray] = deque(maxlen=maxlen)
        self.bodies: deque[int] = deque(maxlen=maxlen)
        self._matrix: np.ndarray | None = None

    def add(self, root: str, order: int, title: frozenset[str], vector: np.ndarray, body: int) -> None:
        self.bodies.append(body)
        self.roots.append(root)
        self.order.append(order)
        self.titles.append(title)
        self.vectors.append(vector)
        self._matrix = None

    def matrix(self) -> np.ndarray:
        if self._matrix is None:
            self._matrix = np.vstack(self.vectors).astype(np.float32)
        return self._matrix


class DuplicateIndex:
    """Articles seen so far in a run; ``observe`` says which earlier one a new one copies.

    Feed it every article in input order, including those only read to seed it (the
    records a ``--resume`` keeps): the answers are the same however the run was cut up.
    """

    def __init__(self, rule: DuplicateRule = DEFAULT_RULE, max_undated: int = 2000):
        self.rule = rule
        self.max_undated = max_undated
        self._days: dict[int, _Bucket] = {}
        self._undated = _Bucket(maxlen=max_undated)
        self._seen = 0

    def observe(self, article_id: str, title: str | None, published: str | None, vector: np.ndarray,
                body: int | None = None) -> str | None:
        """The id of the first occurrence of this article's story, or None; then remember it.

        ``body`` is the body's ``body_hash`` (None: compare by embedding and title only).
        """
        words = title_words(title)
        vec = np.asarray(vector, dtype=np.float16).reshape(-1)
        day = _day(published)
        if day is None:
            buckets = [self._undated]
        else:
            w = self.rule.window_days
            buckets = [b for d in range(day - w, day + w + 1) if (b := self._days.get(d)) is not None]
        first: tuple[int, str] | None = None
        v32 = vec.astype(np.float32)
        for bucket in buckets:
            if not bucket.roots:
                continue
            cosines = bucket.matrix() @ v32
            threshold = min(self.rule.similar_cosine, self.rule.same_text_cosine)
            candidates = {int(i) for i in np.flatnonzero(cosines >= threshold)}
            if body is not None:
                candidates.update(i for i, other in enumerate(bucket.bodies)
                                  if other >= 0 and (body ^ other).bit_count() <= self.rule.same_body_bits)
            for i in sorted(candidates):
                bits = (body ^ bucket.bodies[i]).bit_count() if body is not None and bucket.bodies[i] >= 0 else 64
                if self.rule.is_same_story(float(cosines[i]), title_overlap(words, bucket.titles[i]), bits):
                    if first is None or bucket.order[i] < first[0]:
                        first = (bucket.order[i], bucket.roots[i])
        duplicate_of = first[1] if first else None
        target = self._undated if day is None else self._days.setdefault(day, _Bucket())
        target.add(duplicate_of or article_id, self._seen, words, vec, -1 if body is None else body)
        self._seen += 1
        return duplicate_of
