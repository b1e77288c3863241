"""The neural encoders behind ``SentenceTransformerEmbedder``.

Each has ``dim`` and ``encode(texts, batch_size) -> ndarray``. Heavy imports
(torch, onnxruntime) happen here, inside the constructors, only when needed.
"""

from __future__ import annotations

import numpy as np

from .errors import ModelError


class TorchEncoder:
    """sentence-transformers on PyTorch: the reference path."""

    def __init__(self, path: str):
        try:
            from sentence_transformers import SentenceTransformer

            self.model = SentenceTransformer(str(path), device="cpu")
        except (OSError, ValueError) as exc:
            raise ModelError(f"cannot load sentence-transformer {path!r} offline: {exc}") from exc
        self.dim = self.model.get_embedding_dimension() if hasattr(self.model, "get_embedding_dimension") \
            else self.model.get_sentence_embedding_dimension()

    def encode(self, texts, batch_size: int = 32) -> np.ndarray:
        return self.model.encode(list(texts), batch_size=batch_size, show_progress_bar=False,
                                 convert_to_numpy=True, normalize_embeddings=True)
