"""A labelling session: the queue, the labelled file, and what the page may ask of them.

No HTTP here (``server.py`` is the thin web layer). The page names articles only by
the id the session gave it and themes by name: the text written to the labelled
file is the session's copy of the article, and no path ever comes from the browser.

An article is done in a ``label`` session when the labelled file has a line for it,
and in a ``review`` session when its latest line was written by a review page; a
session starts at the first article not done, so a restart resumes where it stopped.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from ..atomic import check_writable
from ..batch import BatchLog
from ..captures import Capture, read_captures
from ..errors import KcnaThemesError, LabelError
from ..labels import THEME_NAME
from .definitions import definition
from .store import NONE, LabelStore

MAX_KEYED_THEMES = 9  # keys 1-9


@dataclass
class Item:
    """One article of the queue, with what the model and (in review) the labelled file say."""

    capture: Capture
    scores: dict[str, float] = field(default_factory=dict)
    suggested: list[str] = field(default_factory=list)
    reason: str | None = None
    given: list[str] | None = None  # review: the label under review


class LabellingSession:
    """The queue and the labelled file behind one page."""

    def __init__(self, items: Sequence[Item], store: LabelStore, themes: Sequence[str], mode: str = "label",
                 annotator: str | None = None, source: str = ""):
        if not items:
            raise KcnaThemesError(f"nothing to label: {source or 'the queue'} holds no article")
        self.items = list(items)
        self.by_id = {item.capture.id: item for item in self.items}
        self.store = store
        self.mode = mode
        self.annotator = annotator
        self.source = source
        self.themes: list[str] = []  # the model's first, in its order, so a theme keeps its key across restarts
        for theme in [*themes, *(t for item in items for t in item.scores), *store.themes()]:
            if theme not in self.themes:
                self.themes.append(theme)

    def is_done(self, item: Item) -> bool:
        latest = self.store.latest.get(item.capture.id)
        if latest is None:
            return False
        return self.mode != "review" or latest.get("via") == "review"

    def done(self) -> int:
        return sum(self.is_done(item) for item in self.items)

    def describe(self) -> str:
        return f"{len(self.items)} articles of {self.source}, answers appended to {self.store.path}"

    def progress_line(self) -> str:
        return f"{self.done()} of {len(self.items)} done, saved in {self.store.path}"

    def first_open(self) -> int:
        """The first article not done (the queue's length when all are)."""
        return next((i for i, item in enumerate(self.items) if not self.is_done(item)), len(self.items))

    def progress(self) -> dict:
        counts = self.store.counts()
        return {"done": self.done(), "total": len(self.items),
                "counts": {t: counts.get(t, 0) for t in [*self.themes, NONE]}}

    def state(self) -> dict:
        """Everything the page shows, as JSON: it renders every text field as text."""
        items = []
        for item in self.items:
            c = item.capture
            latest = self.store.latest.get(c.id)
            items.append({"id": c.id, "title": c.title, "date": c.published, "source": c.source, "text": c.text,
                          "url": c.url, "scores": item.scores, "suggested": item.suggested,
                          "reason": item.reason, "given": item.given,
                          "saved": latest["themes"] if latest is not None else None,
                          "done": self.is_done(item)})
        return {"mode": self.mode, "themes": self._theme_table(), "items": items, "position": self.first_open(),
                **self.progress()}

    def _theme_table(self) -> list[dict]:
        return [{"name": t, "definition": definition(t), "key": str(k + 1) if k < MAX_KEYED_THEMES else None}
                for k, t in enumerate(self.themes)]

    def answer(self, article_id: str, themes: Sequence[str]) -> dict:
        """Append the label of one article of the queue; return the new progress."""
        item = self.by_id.get(article_id)
        if item is None:
            raise LabelError("page", "unknown article", repr(article_id))
        chosen = []
        for theme in themes:
            if theme not in self.themes:
                raise LabelError("page", "unknown theme", f"{theme!r}: add it as a new theme first")
            if theme not in chosen:
                chosen.append(theme)
        chosen.sort(key=self.themes.index)
        self.store.append(item.capture, chosen, via=self.mode, annotator=self.annotator)
        return {"saved": chosen, **self.progress()}

    def add_theme(self, name: str) -> dict:
        """A new theme for this session; it lasts once an article carries it."""
        name = name.strip().lower()
        if not THEME_NAME.match(name):
            raise LabelError("page", "bad theme name",
                             f"{name!r}: 2-32 characters, lower-case letters, digits, - or _, a letter first")
        if name not in self.themes:
            self.themes.append(name)
        return {"themes": self._theme_table(), **self.progress()}


def open_label_session(queue, labels_path, model_dir=None, cache_dir=None, load_embedder=None,
                       annotator: str | None = None, echo: Callable[[str], None] | None = None,
                       model=None) -> LabellingSession:
    """A ``label`` session over a queue file (``suggest`` writes one; any article file will do).

    Articles without ``scores`` are scored by the model (``model`` when given, else the
    folder ``model_dir``, each with the embedder it was trained on), the way ``tag`` scores.
    """
    check_writable(labels_path)
    store = LabelStore(labels_path, echo=echo)
    items = []
    for capture in read_captures([str(queue)], BatchLog(echo=echo)):
        scores = capture.extra.get("scores")
        items.append(Item(capture, scores if isinstance(scores, dict) else {},
                          [t for t in capture.extra.get("suggested") or [] if isinstance(t, str)],
                          capture.extra.get("reason") if isinstance(capture.extra.get("reason"), str) else None))
    themes: list[str] = []
    unscored = [item for item in items if not item.scores]
    if unscored or model_dir is not None or model is not None:
        if model is None:
            from ..tagging import load_tagger

            kwargs = {"load_embedder": load_embedder} if load_embedder is not None else {}
            model, _ = load_tagger(model_dir, None, cache_dir, **kwargs)
        themes = list(model.themes)
        for start in range(0, len(unscored), 64):
            part = unscored[start:start + 64]
            for item, probs in zip(part, model.score([i.capture.embed_text for i in part])):
                item.scores = {t: round(float(p), 4) for t, p in zip(themes, probs)}
                item.suggested = model.themes_over_threshold(probs)
    return LabellingSession(items, store, themes, "label", annotator, source=str(queue))


def open_review_session(ranked, store: LabelStore, annotator: str | None = None) -> LabellingSession:
    """A ``review`` session: the labels of ``store``'s file in ``ranked`` order (most suspect first)."""
    items = [Item(r.article.capture, r.scores, r.predicted, r.reason, list(r.article.themes)) for r in ranked.items]
    return LabellingSession(items, store, ranked.themes, "review", annotator, source=str(store.path))
