"""The labelled set's index in a model folder: the nearest labelled articles to a text.

``explain`` shows an analyst the three labelled articles closest to the one being
explained, with the themes the readers gave them: the examples the classifier learnt
from that look most like it. The model folder keeps what this needs in one file,
``neighbours.npz``: ids, titles, dates and themes (fixed-width string arrays) and
one float16 vector per labelled article, read with ``allow_pickle=False`` and only
after its sha256 matches the one ``metadata.json`` records.

The vector is the article half of the classifier's embedding (``story_vectors``, as
the near-duplicate marking uses): the embedding of headline and body as the
classifier reads them, without the headline-only half a headline model sets beside
it. It is half the size, and the article vector already begins with the headline.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from .atomic import atomic_write
from .duplicates import story_vectors
from .errors import ModelError
from .metadata import ModelMetadata, NeighboursFile, read_checked, write_metadata

NEIGHBOURS_FILE = "neighbours.npz"
NO_INDEX = "this model folder has no labelled-set index: retrain to get neighbours"
# Cosine of article vectors at or above which a text is taken for a labelled article itself.
# A labelled article's own text scores 0.9998 or more against its float16 vector; of the
# 18,690 corpus articles outside the shipped model's labelled set, one reaches 0.99 (a visit
# to the Kumsusan Palace whose headline and first 64 tokens repeat a labelled one's).
SAME_ARTICLE = 0.99


@dataclass
class LabelledIndex:
    """Labelled articles and their unit vectors (float16), searchable by cosine."""

    ids: list[str]
    titles: list[str]
    dates: list[str | None]
    themes: list[list[str]]
    vectors: np.ndarray

    def nearest(self, queries: np.ndarray, k: int = 3) -> list[list[dict]]:
        """For each query vector (unit length, as ``story_vectors`` gives), the ``k``
        labelled articles of highest cosine, most similar first."""
        similarity = self._similarity(queries)
        if not similarity.size:
            return [[] for _ in range(len(similarity))]
        k = min(k, len(self.ids))
        top = np.argsort(-similarity, axis=1, kind="stable")[:, :k]
        return [[{"id": self.ids[j], "title": self.titles[j], "date": self.dates[j], "themes": self.themes[j],
                  "similarity": round(min(float(similarity[i, j]), 1.0), 4)}  # float16 can pass 1
                 for j in row] for i, row in enumerate(top)]

    def contains(self, queries: np.ndarray, chunk: int = 1024) -> np.ndarray:
        """Which query vectors (unit length, as ``story_vectors`` gives) are labelled articles
        of the index: their nearest one has cosine ``SAME_ARTICLE`` or more. In chunks of
        ``chunk`` queries, so a large labelled file never holds all its similarities at once."""
        Q = np.asarray(queries, dtype=np.float32)
        if not len(Q) or not len(self.ids):
            return np.zeros(len(Q), dtype=bool)
        return np.concatenate([self._similarity(Q[start:start + chunk]).max(axis=1) >= SAME_ARTICLE
                               for start in range(0, len(Q), chunk)])

    def _similarity(self, queries: np.ndarray) -> np.ndarray:
        """Cosine of each query vector with each labelled article's: (queries, articles)."""
        Q = np.asarray(queries, dtype=np.float32)
        if not len(Q) or not len(self.ids):
            return np.zeros((len(Q), 0), dtype=np.float32)
        if Q.shape[1] != self.vectors.shape[1]:
            raise ModelError(f"the labelled-set index has vectors of dimension {self.vectors.shape[1]}, "
                             f"the model's embedder makes {Q.shape[1]}: retrain to rebuild it")
        return Q @ self.vectors.astype(np.float32).T


def write_index(folder, metadata: ModelMetadata, ids: Sequence[str], titles: Sequence[str | None],
                dates: Sequence[str | None], themes: Sequence[Sequence[str]], embeddings: np.ndarray
                ) -> ModelMetadata:
    """Write ``neighbours.npz`` from the labelled articles' classifier embeddings, then
    record its checksum in ``metadata.json`` (nothing else there changes). Returns the
    updated metadata."""
    folder = Path(folder)
    vectors = story_vectors(embeddings, metadata.embedder.headline)
    buf = io.BytesIO()
    np.savez_compressed(buf, ids=np.array([str(i) for i in ids], dtype=str),
                        titles=np.array([t or "" for t in titles], dtype=str),
                        dates=np.array([d or "" for d in dates], dtype=str),
                        themes=np.array([";".join(ts) for ts in themes], dtype=str), vectors=vectors)
    blob = buf.getvalue()
    with atomic_write(folder / NEIGHBOURS_FILE, "wb") as fh:
        fh.write(blob)
    updated = replace(metadata, neighbours=NeighboursFile(NEIGHBOURS_FILE, hashlib.sha256(blob).hexdigest(),
                                                          len(ids)))
    write_metadata(folder, updated)
    return updated


def load_index(folder, metadata: ModelMetadata) -> LabelledIndex | None:
    """The folder's labelled-set index, or None when it has none (an older folder).

    A file whose checksum is not the recorded one (swapped, damaged) is refused.
    """
    if metadata.neighbours is None:
        return None
    path = Path(folder) / metadata.neighbours.file
    blob = read_checked(path, metadata.neighbours.sha256)
    try:
        with np.load(io.BytesIO(blob), allow_pickle=False) as data:
            arrays = {name: data[name] for name in ("ids", "titles", "dates", "themes", "vectors")}
    except (KeyError, ValueError, OSError) as exc:
        raise ModelError(f"{path} cannot be loaded: {exc}") from exc
    n = len(arrays["ids"])
    if any(len(a) != n for a in arrays.values()) or arrays["vectors"].ndim != 2:
        raise ModelError(f"{path} is corrupt: its arrays differ in length")
    return LabelledIndex(ids=[str(x) for x in arrays["ids"]], titles=[str(x) for x in arrays["titles"]],
                         dates=[str(x) or None for x in arrays["dates"]],
                         themes=[[t for t in str(x).split(";") if t] for x in arrays["themes"]],
                         vectors=arrays["vectors"])
