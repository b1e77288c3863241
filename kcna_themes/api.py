"""The front door for Python users: load a model, score texts, tag a table.

    import kcna_themes
    model = kcna_themes.load_model()              # the shipped model, or load_model("my-model")
    model.themes                                  # ['leader', 'construction', ...]
    model.predict_proba(["Kim Jong Un Inspects ..."])   # (n, k) probabilities
    model.predict(texts)                          # [['leader', 'construction'], [], ...]
    model.tag(frame)                              # a DataFrame with themes and score_<theme> columns
    model.explain(texts, themes=["heritage"])     # why: per theme, evidence, sentences, terms

The same embedder (behind the same on-disk cache) and the same scoring as
``kcna-themes tag``: a text scored here gets the scores the command line gives it.
The caller sets HF_HUB_OFFLINE=1 where no model hub can be reached (nothing here
downloads anything).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .captures import Capture
from .embedding import Embedder
from .errors import KcnaThemesError
from .metadata import ModelMetadata, default_model_dir
from .model import ThemeModel

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd


class Model:
    """A loaded model folder with the embedder it was trained with."""

    def __init__(self, model: ThemeModel):
        self.model = model

    @property
    def embedder(self) -> Embedder | None:
        """The embedder the classifier scores with (given to it when the folder was loaded)."""
        return self.model.embedder

    @property
    def themes(self) -> list[str]:
        return self.model.themes

    @property
    def model_id(self) -> str:
        return self.model.model_id

    @property
    def metadata(self) -> ModelMetadata:
        return self.model.metadata

    @property
    def thresholds(self) -> dict[str, float]:
        """Each theme's cut-off: a theme is tagged when its probability reaches it."""
        return {t: float(v) for t, v in zip(self.themes, self.model.classifier.thresholds_)}

    def predict_proba(self, texts: Sequence[str], titles: Sequence[str | None] | None = None) -> np.ndarray:
        """(n, k) probabilities; column j is ``themes[j]``. ``titles``, if given, one per text."""
        return self.model.score([c.embed_text for c in _captures(texts, titles)])

    def predict(self, texts: Sequence[str], titles: Sequence[str | None] | None = None) -> list[list[str]]:
        """The themes of each text that reach their thresholds, strongest first."""
        return [self.model.themes_over_threshold(p) for p in self.predict_proba(texts, titles)]

    def explain(self, texts: Sequence[str], titles: Sequence[str | None] | None = None,
                themes: Sequence[str] = ()) -> list[dict]:
        """Why each text got its themes, as ``kcna-themes explain --format json`` gives it under
        ``explanation``: for every theme tagged and every one of ``themes``, its score and
        threshold, its log-odds by kind of evidence, the sentences and terms that carry it;
        then the nearest labelled articles. The scores are ``predict_proba``'s."""
        captures = _captures(texts, titles)
        embed_texts = [c.embed_text for c in captures]
        embeddings = self.model.embed(embed_texts)
        probs = self.model.score(embed_texts, embeddings)
        return self._explainer.explain(captures, probs, embeddings, asked=list(themes))

    @cached_property
    def _explainer(self):
        """The folder's explainer, built (and its labelled-set index read) on the first call."""
        from .explain import explainer_for

        return explainer_for(self.model)

    def tag(self, data: pd.DataFrame | Iterable[dict[str, Any]], text: str = "text",
            title: str | None = "title") -> pd.DataFrame:
        """A copy of ``data`` (a DataFrame or records) with ``themes`` and ``score_<theme>`` columns.

        ``text`` names the body column; ``title`` the title column (used when present).
        """
        import pandas as pd

        frame = data.copy() if isinstance(data, pd.DataFrame) else pd.DataFrame(list(data))
        if text not in frame.columns:
            raise KcnaThemesError(f"no {text!r} column to tag (columns: {', '.join(map(str, frame.columns))})")
        bodies = ["" if pd.isna(v) else str(v) for v in frame[text]]
        titles = (["" if pd.isna(v) else str(v) for v in frame[title]]
                  if title and title in frame.columns else None)
        P = self.predict_proba(bodies, titles)
        frame["themes"] = [self.model.themes_over_threshold(p) for p in P]
        for j, theme in enumerate(self.themes):
            frame[f"score_{theme}"] = P[:, j] if len(P) else []
        return frame


def _captures(texts: Sequence[str] | str, titles: Sequence[str | None] | None) -> list[Capture]:
    """Texts and their titles (one per text, if given) as captures, numbered in order."""
    texts = [texts] if isinstance(texts, str) else list(texts)
    heads = list(titles) if titles is not None else [None] * len(texts)
    if len(heads) != len(texts):
        raise KcnaThemesError(f"{len(texts)} texts but {len(heads)} titles")
    return [Capture(id=str(i), text=str(t), title=h) for i, (t, h) in enumerate(zip(texts, heads))]


def load_model(path: str | Path | None = None, *, embedder: Embedder | None = None, cache_dir=None,
               use_cache: bool = True) -> Model:
    """The shipped model (``path=None``) or a model folder, ready to score texts.

    ``embedder`` replaces the one the model was trained with (it must make the same
    vectors: its ``id`` is checked against the model's); by default that one is
    rebuilt from the metadata, behind the embedding cache in ``cache_dir``.
    """
    from .tagging import load_tagger

    if embedder is None:
        model, _ = load_tagger(path, None, cache_dir, use_cache=use_cache)
    else:
        from .model import load_model as load_folder

        model = load_folder(Path(path) if path else default_model_dir(), embedder)
    return Model(model)
