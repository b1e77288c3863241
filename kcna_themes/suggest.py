"""Choose what to label next: uncertain articles, spread over the embedding space, never twice.

An analyst's time is the scarce thing. The articles whose labels teach the model
most are those it is least sure of: scores near a theme's threshold. Fifty of
them can still be fifty wire copies of one story, so the final pick trades
uncertainty against similarity to what is already picked (maximal marginal
relevance over the article embeddings).

A theme the model does not have yet (``theme`` not among its themes) has no
scores: it is searched with the mean embedding of its labelled examples, and the
articles nearest to that centroid come first.

The pool is streamed: captures are read, embedded and scored a batch at a time
(the same ``ThemeModel.score`` path ``tag`` uses, behind the embedding cache), and
only a bounded heap of the best candidates is kept, so memory stays flat for any
pool size. Articles already labelled are skipped by id and by identical text
(whitespace aside).
"""

from __future__ import annotations

import hashlib
import heapq
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

from .captures import Capture
from .errors import KcnaThemesError
from .labels import LabelledArticle, normalise_text
from .model import ThemeModel
from .tagging import batched

CANDIDATES_PER_PICK = 10  # the diversity step chooses among this many candidates per article asked for
MIN_CANDIDATES = 200
NEAR_DUPLICATE = 0.92  # cosine similarity over which two articles are taken for versions of one story


def text_key(text: str) -> bytes:
    """A short digest of the whitespace-normalised text: "identical text" without keeping the text."""
    return hashlib.sha1(normalise_text(text).encode("utf-8")).digest()


@dataclass(order=True)
class Candidate:
    priority: float
    order: int  # ties: the earlier article first
    capture: Capture = field(compare=False)
    scores: dict[str, float] = field(compare=False)
    suggested: list[str] = field(compare=False)
    reason: str = field(compare=False)
    vector: np.ndarray = field(compare=False, repr=False)
    text_digest: bytes = field(compare=False, repr=False)


def _unit(rows: np.ndarray) -> np.ndarray:
    rows = np.asarray(rows, dtype=np.float32)
    return rows / np.maximum(np.linalg.norm(rows, axis=-1, keepdims=True), 1e-12)


def closeness_to_threshold(probs: np.ndarray, thresholds: np.ndarray) -> np.ndarray:
    """1 at a theme's threshold, falling to 0 at a score of 0 or 1: how unsure the model is.

    The distance is scaled by the room on that side of the threshold, so a theme cut
    at 0.35 and one cut at 0.55 are compared fairly.
    """
    room = np.where(probs < thresholds, thresholds, 1.0 - thresholds)
    return 1.0 - np.abs(probs - thresholds) / np.maximum(room, 1e-9)


def theme_centroid(theme: str, labelled: Sequence[LabelledArticle], model: ThemeModel) -> np.ndarray:
    """The mean unit embedding (``model.embed``) of the labelled articles that carry ``theme``."""
    examples = [a.capture.embed_text for a in labelled if theme in a.themes]
    if not examples:
        raise KcnaThemesError(f"theme {theme!r} is not one of the model's, and the labels hold no article "
                              f"with it to search by: label a few, or pass them with --labels")
    vectors = np.vstack([_unit(model.embed(part)) for part in batched(examples, 256)])
    return _unit(vectors.mean(axis=0))


def mmr_select(candidates: Sequence[Candidate], n: int, balance: float = 0.5) -> list[Candidate]:
    """Pick ``n`` candidates, each maximising priority minus similarity to those already picked.

    Priorities are rescaled to [0, 1] first. A candidate nearly identical to a picked one
    (cosine over ``NEAR_DUPLICATE``) comes only after every other candidate.
    """
    if not candidates or n <= 0:
        return []
    pool = sorted(candidates, key=lambda c: (-c.priority, -c.order))
    prio = np.array([c.priority for c in pool], dtype=np.float64)
    span = prio.max() - prio.min()
    prio = (prio - prio.min()) / span if span > 0 else np.ones_like(prio)
    V = _unit(np.vstack([c.vector for c in pool]))
    nearest = np.full(len(pool), -1.0)  # similarity to the closest picked candidate
    taken = np.zeros(len(pool), dtype=bool)
    picked: list[Candidate] = []
    for _ in range(min(n, len(pool))):
        value = balance * prio - (1 - balance) * np.maximum(nearest, 0.0)
        value = np.where(nearest >= NEAR_DUPLICATE, value - 10.0, value)
        value[taken] = -np.inf
        i = int(np.argmax(value))
        taken[i] = True
        picked.append(pool[i])
        nearest = np.maximum(nearest, V @ V[i])
    return picked


@dataclass
class Suggestion:
    """What ``suggest`` found: the picked articles, and how many it read and skipped."""

    picked: list[Candidate]
    read: int = 0
    already_labelled: int = 0


def suggest(captures: Iterable[Capture], model: ThemeModel, n: int = 50,
            labelled: Sequence[LabelledArticle] = (), theme: str | None = None, batch_size: int = 64,
            on_batch: Callable[[int], None] | None = None) -> Suggestion:
    """The ``n`` articles of ``captures`` whose labels would teach the model most.

    ``theme`` focuses on one of the model's themes (uncertainty on it alone) or names a
    new theme, searched by the mean embedding of its examples in ``labelled``.
    Articles in ``labelled`` (by id, or by identical text) are skipped.
    """
    themes = model.themes
    thresholds = np.asarray(model.classifier.thresholds_, dtype=np.float64)
    focus = themes.index(theme) if theme in themes else None
    centroid = theme_centroid(theme, labelled, model) if theme is not None and focus is None else None
    done_ids = {a.capture.id for a in labelled}
    done_texts = {text_key(a.capture.text) for a in labelled}
    capacity = max(MIN_CANDIDATES, CANDIDATES_PER_PICK * n)
    heap: list[Candidate] = []  # the best ``capacity`` candidates so far; the worst on top
    in_heap: dict[bytes, Candidate] = {}  # by text: one copy of a repeated text
    result = Suggestion([])
    order = 0
    fresh = (c for c in captures if not _already_labelled(c, done_ids, done_texts, result))
    for batch in batched(fresh, batch_size):
        texts = [c.embed_text for c in batch]
        E = np.asarray(model.embed(texts), dtype=np.float32)  # once: scored here, kept for diversity
        P = model.score(texts, embeddings=E)
        vectors = _unit(E)
        closeness = closeness_to_threshold(P, thresholds)
        similarity = vectors @ centroid if centroid is not None else None
        for row, capture in enumerate(batch):
            order += 1
            probs = P[row]
            scores = {t: round(float(p), 4) for t, p in zip(themes, probs)}
            if similarity is not None:
                priority = float(similarity[row])
                reason = f"like the {theme} examples: similarity {priority:.2f}"
            else:
                j = focus if focus is not None else int(np.argmax(closeness[row]))
                priority = float(closeness[row, j])
                reason = f"uncertain: {themes[j]} {probs[j]:.2f} (threshold {thresholds[j]:.2f})"
            digest = text_key(capture.text)
            candidate = Candidate(priority, -order, capture, scores, model.themes_over_threshold(probs), reason,
                                  vectors[row].copy(), digest)  # a copy: a view would keep its batch alive
            _offer(heap, in_heap, candidate, capacity)
        result.read += len(batch)
        if on_batch is not None:
            on_batch(len(batch))
    result.picked = mmr_select(list(in_heap.values()), n)
    return result


def _already_labelled(capture: Capture, ids: set[str], texts: set[bytes], result: Suggestion) -> bool:
    if capture.id in ids or (texts and text_key(capture.text) in texts):
        result.already_labelled += 1
        return True
    return False


def _offer(heap: list[Candidate], in_heap: dict[bytes, Candidate], candidate: Candidate, capacity: int) -> None:
    """Keep ``candidate`` if it is among the ``capacity`` best, once per text."""
    if candidate.text_digest in in_heap:
        return
    if len(heap) < capacity:
        heapq.heappush(heap, candidate)
    elif candidate > heap[0]:
        dropped = heapq.heapreplace(heap, candidate)
        del in_heap[dropped.text_digest]
    else:
        return
    in_heap[candidate.text_digest] = candidate


def queue_record(candidate: Candidate, model: ThemeModel) -> dict:
    """A line of the queue: the article's fields, the model's scores and why it was picked.

    The model's themes are under ``suggested``, not ``themes``: a queue is not a labelled file.
    """
    c = candidate.capture
    record: dict = {"id": c.id, "title": c.title, "date": c.published, "source": c.source, "text": c.text}
    if c.url:
        record["url"] = c.url
    record.update({"path": c.path, "scores": candidate.scores, "suggested": candidate.suggested,
                   "reason": candidate.reason, "model": model.model_id})
    return record
