"""Why this theme: the sentences, the words and the labelled articles behind a score.

An analyst who quotes a count must be able to check the tags under it. For each
theme explained (every theme tagged, and any asked for), ``Explainer`` gives:

- **sentences**: the article's body split into sentences, each scored by the same
  model through the same path (``ThemeModel.score``) as a one-line article of its
  own. The title is not prefixed: it would lend every sentence the headline's
  theme and hide which sentence carries it. The top two, with their scores.
- **terms**: the words and bigrams of the lexical (TF-IDF) branch that pushed the
  theme's logistic regression most, with their sign (``term_contributions``).
- **headline_terms**: the same for the headline's own terms (``HeadlineTerms``;
  ``own_term_contributions``); empty for a model without them.
- **lead_terms**: the same for the lead sentence's own terms (``LeadTerms``), for the
  themes that read who acts (``leader``); empty for the others.
- **decision**: the theme's decision function (its log-odds before Platt calibration)
  split by kind of evidence (``ThemeClassifier.decision_parts``): the intercept, the
  embedding, the terms, the headline's terms and, for ``leader``, who acts and the
  lead's terms. The term lists break three of these parts down; this says how much
  each part weighed.
- **neighbours**: the three labelled articles nearest to the article, by cosine
  of the classifier's article embedding (``neighbours.LabelledIndex``); these do
  not depend on the theme, so they are given once per article.
- **digest**: whether the article is a digest that codebook ruling 11 scores zero on
  every theme (``ThemeClassifier.digest_rule``), whatever its sentences score.
- **world_news**: whether the article names nothing of the DPRK, which codebook
  ruling 6 scores zero on every theme (``ThemeClassifier.world_news_rule``).

Explaining reads the scores it is given and never computes an article's score
again: ``tag --explain`` and ``tag`` write the same themes and scores.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

import click
import numpy as np

from .captures import Capture, classifier_text
from .classifier import HeadlineTerms, LexicalFeatures
from .duplicates import story_vectors
from .errors import KcnaThemesError
from .model import ThemeModel
from .neighbours import NO_INDEX, LabelledIndex

TOP_SENTENCES = 2
TOP_TERMS = 8
NEIGHBOURS = 3
MIN_SENTENCE_WORDS = 3

# a full stop after one of these (or after initials, "U.S.") does not end a sentence
_ABBREVIATIONS = {"mr", "mrs", "ms", "dr", "prof", "gen", "col", "lt", "capt", "st", "no", "nos", "vol", "art",
                  "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "co",
                  "corp", "inc", "ltd", "vs", "etc", "e.g", "i.e", "approx", "dept", "gov", "rep", "sen"}
_BOUNDARY = re.compile(r"""(?<=[.!?])["'”’)\]]*\s+(?=["'“‘(\[]?[A-Z0-9])""")


def split_sentences(text: str) -> list[str]:
    """The sentences of an article body, in order: split at line breaks (a capture's
    paragraphs) and after . ! ? followed by a capital, except after a known
    abbreviation or initials. Fragments of fewer than three words (KCNA's "-0-") are
    dropped.

    KCNA's prose is regular enough that this does as well as a trained splitter
    would for ranking sentences, and it cannot fail on odd input.
    """
    sentences: list[str] = []
    for paragraph in text.splitlines():
        start = 0
        for match in _BOUNDARY.finditer(paragraph):
            last_word = paragraph[start:match.start()].rstrip("\"'”’)]").split()[-1:]
            word = last_word[0].rstrip(".!?").lower() if last_word else ""
            if word in _ABBREVIATIONS or re.fullmatch(r"(?:[a-z]\.)*[a-z]", word):
                continue
            sentences.append(paragraph[start:match.start()].strip())
            start = match.end()
        sentences.append(paragraph[start:].strip())
    return [s for s in sentences if len(re.findall(r"[^\W\d_]+", s)) >= MIN_SENTENCE_WORDS]


def block_weights(coefs: np.ndarray, block: slice | None) -> np.ndarray | None:
    """A theme's logistic-regression weights on one block of its features (``coefs``: one
    row per calibration fold, averaged as the scores average them); None for a block the
    model lacks or a theme too rare to learn."""
    if block is None or not len(coefs):
        return None
    return np.mean(coefs, axis=0)[block]


def term_contributions(lexical: LexicalFeatures, weights: np.ndarray, texts: Sequence[str]
                       ) -> list[list[tuple[str, float]]]:
    """Each text's terms with their contribution to a theme's decision function,
    largest |contribution| first (terms absent from a text are left out).

    The lexical features are z = Z / ||Z|| with Z = x @ components_.T, x the TF-IDF
    row; the regression adds w · z to the theme's log-odds. So w · z = sum over terms
    of x_t * (components_.T @ w)_t / ||Z||: the contribution of term t. They add up
    exactly to the lexical block's share of the decision function (the intercept and
    the embedding block aside); + pushes towards the theme, - away from it.
    """
    X = lexical.tfidf(list(texts))
    components = lexical.components_
    Z = np.asarray(X @ components.T, dtype=np.float32)
    norms = np.maximum(np.linalg.norm(Z, axis=1), 1e-12)
    return _ranked(X, lexical.terms_, components.T @ np.asarray(weights, dtype=np.float32), norms)


def own_term_contributions(terms: HeadlineTerms, weights: np.ndarray, texts: Sequence[str]
                           ) -> list[list[tuple[str, float]]]:
    """Each text's terms of one part (the headline for ``HeadlineTerms``, the lead for
    ``LeadTerms``) with their contribution to a theme's decision function, largest
    |contribution| first. The part's TF-IDF row x is itself the feature block, so term t
    adds x_t * w_t, and these add up to the block's share exactly."""
    X = terms.tfidf(terms.part(list(texts)))
    return _ranked(X, terms.terms_, np.asarray(weights, dtype=np.float32), np.ones(X.shape[0], dtype=np.float32))


def _ranked(X, names: np.ndarray, term_weights: np.ndarray, norms: np.ndarray) -> list[list[tuple[str, float]]]:
    """Each row of TF-IDF ``X``: its terms with x_t * term_weights_t / the row's norm, largest
    |contribution| first."""
    out = []
    for i in range(X.shape[0]):
        row = X.getrow(i)
        values = row.data * term_weights[row.indices] / norms[i]
        order = np.argsort(-np.abs(values), kind="stable")
        out.append([(str(names[row.indices[o]]), float(values[o])) for o in order])
    return out


class Explainer:
    """Explains a model's scores; ``index`` is the folder's labelled-set index, or None."""

    def __init__(self, model: ThemeModel, index: LabelledIndex | None, top_sentences: int = TOP_SENTENCES,
                 top_terms: int = TOP_TERMS, neighbours: int = NEIGHBOURS):
        if model.embedder is None:
            raise KcnaThemesError("the model was loaded without an embedder: nothing can be explained")
        self.model = model
        self.index = index
        self.top_sentences = top_sentences
        self.top_terms = top_terms
        self.neighbours = neighbours
        clf = model.classifier
        blocks = [clf.feature_blocks(j) for j in range(len(clf.coefs_))]
        self._weights = [block_weights(coefs, b.get("lexical")) for coefs, b in zip(clf.coefs_, blocks)]
        self._headline_weights = [block_weights(coefs, b.get("headline")) for coefs, b in zip(clf.coefs_, blocks)]
        self._lead_weights = [block_weights(coefs, b.get("lead")) for coefs, b in zip(clf.coefs_, blocks)]

    def themes_to_explain(self, probs: np.ndarray, asked: Iterable[str] = ()) -> list[str]:
        """The themes tagged (strongest first), then those asked for that are not."""
        tagged = self.model.themes_over_threshold(probs)
        return tagged + [t for t in asked if t not in tagged]

    def explain(self, captures: Sequence[Capture], probs: np.ndarray, embeddings: np.ndarray | None = None,
                asked: Sequence[str] = ()) -> list[dict]:
        """One explanation per capture, from the scores ``probs`` already given to them.

        All sentences of the batch are scored in one call. ``embeddings`` are the
        captures' vectors (``model.embed``) when the caller has them (else they are
        read again, from the cache).
        """
        model = self.model
        clf = model.classifier
        unknown = [t for t in asked if t not in model.themes]
        if unknown:
            raise KcnaThemesError(f"unknown theme {', '.join(unknown)}: the model's themes are "
                                  f"{', '.join(model.themes)}")
        texts = [c.embed_text for c in captures]
        read = clf.reads(texts)  # what the terms' features read
        sentences = [split_sentences(c.text) for c in captures]
        flat = [s for group in sentences for s in group]
        sentence_probs = model.score([classifier_text(s) for s in flat], rulings=False)
        explanations = []
        if embeddings is None:
            embeddings = model.embed(texts)
        neighbours = self._nearest(embeddings)
        decision_parts = clf.decision_parts(texts, embeddings)
        digests = clf.digest_mask(texts)
        world_news = clf.world_news_mask(texts)
        offset = 0
        thresholds = clf.thresholds_
        for i in range(len(captures)):
            own = sentence_probs[offset:offset + len(sentences[i])]
            offset += len(sentences[i])
            per_theme = {}
            for theme in self.themes_to_explain(probs[i], asked):
                j = model.themes.index(theme)
                order = np.argsort(-own[:, j], kind="stable")[: self.top_sentences]
                per_theme[theme] = {
                    "score": round(float(probs[i, j]), 4), "threshold": round(float(thresholds[j]), 4),
                    "tagged": bool(probs[i, j] >= thresholds[j]),
                    "sentences": [{"text": sentences[i][o], "score": round(float(own[o, j]), 4)} for o in order],
                    "terms": self._top_terms(term_contributions, clf.lexical_, self._weights[j], read[i]),
                    "headline_terms": self._top_terms(own_term_contributions, clf.headline_,
                                                      self._headline_weights[j], read[i]),
                    "lead_terms": self._top_terms(own_term_contributions, clf.lead_, self._lead_weights[j], read[i]),
                    "decision": {name: round(float(values[i]), 4) for name, values in decision_parts[j].items()},
                }
            explanation: dict = {"themes": per_theme, "digest": bool(digests[i]), "world_news": bool(world_news[i])}
            if neighbours is None:
                explanation["neighbours"] = None
                explanation["neighbours_note"] = NO_INDEX
            else:
                explanation["neighbours"] = neighbours[i]
            explanations.append(explanation)
        return explanations

    def _top_terms(self, contributions, features, weights: np.ndarray | None, text: str) -> list[dict]:
        """The terms of one block of features (``contributions`` of ``features``) that pushed a
        theme most; none when the model lacks the block or the theme is too rare to learn."""
        if weights is None or features is None:
            return []
        terms = contributions(features, weights, [text])[0][: self.top_terms]
        return [{"term": term, "contribution": round(value, 4)} for term, value in terms]

    def _nearest(self, embeddings: np.ndarray) -> list[list[dict]] | None:
        if self.index is None:
            return None
        return self.index.nearest(story_vectors(embeddings, self.model.metadata.embedder.headline),
                                  self.neighbours)


# ------------------------------------------------------------------ text form

def _highlighter(terms: Sequence[str], color: bool):
    """A function that sets ``terms`` (words and bigrams) in bold colour in a sentence."""
    if not color or not terms:
        return lambda sentence: sentence
    words = sorted(terms, key=len, reverse=True)  # a bigram before the word inside it
    pattern = re.compile(r"\b(" + "|".join(r"\W+".join(map(re.escape, t.split())) for t in words) + r")\b",
                         re.IGNORECASE)
    return lambda sentence: pattern.sub(lambda m: click.style(m.group(0), fg="yellow", bold=True), sentence)


_PART_NAMES = {"intercept": "base", "lexical": "terms", "headline": "headline terms", "actors": "who acts",
               "lead": "lead terms"}  # decision_parts' names as format_text shows them


def format_text(record: dict, color: bool = False) -> str:
    """A tagged record with its explanation, for reading in a terminal.

    Per theme: its score and threshold, its log-odds before calibration by kind of
    evidence, the two sentences that carry it most (the words that push it
    highlighted when ``color``), the terms that pushed it most with their sign; then
    the nearest labelled articles.
    """
    def style(text: str, **kwargs) -> str:
        return click.style(text, **kwargs) if color else text

    explanation = record["explanation"]
    where = ", ".join(str(v) for v in (record.get("published"), record.get("source"), record.get("path")) if v)
    lines = [style(record.get("title") or "(untitled)", bold=True) + (f"  ({where})" if where else "")]
    if explanation.get("digest"):
        lines.append("  a digest of one-line items: no theme, whatever its items are about (codebook ruling 11)")
    elif explanation.get("world_news"):
        lines.append("  world news: it names nothing of the DPRK, so no theme (codebook ruling 6)")
    elif not explanation["themes"]:
        lines.append("  no theme reaches its threshold (ask for one with --theme)")
    for theme, part in explanation["themes"].items():
        state = "tagged" if part["tagged"] else "not tagged"
        lines.append(f"  {style(theme, bold=True)}  {part['score']:.3f}  (threshold {part['threshold']:.3f}, "
                     f"{state})")
        decision = part.get("decision")
        if decision:
            shares = ", ".join(f"{_PART_NAMES.get(name, name)} {value:+.2f}" for name, value in decision.items())
            lines.append(f"    log-odds before calibration {sum(decision.values()):+.2f} = {shares}")
        highlight = _highlighter([t["term"] for t in part["terms"] if t["contribution"] > 0], color)
        for sentence in part["sentences"]:
            lines.append(f"    {sentence['score']:.3f}  {highlight(sentence['text'])}")
        for label, key in (("terms", "terms"), ("headline terms", "headline_terms"), ("lead terms", "lead_terms")):
            if part.get(key):
                terms = "  ".join(f"{'+' if t['contribution'] > 0 else '-'}{t['term']} ({abs(t['contribution']):.2f})"
                                  for t in part[key])
                lines.append(f"    {label}: {terms}")
    if explanation["neighbours"] is None:
        lines.append(f"  nearest labelled articles: none ({explanation['neighbours_note']})")
    else:
        lines.append("  nearest labelled articles:")
        for n in explanation["neighbours"]:
            themes = ", ".join(n["themes"]) or "no theme"
            lines.append(f"    {n['similarity']:.3f}  {n['date'] or 'undated'}  {n['title'] or n['id']}  [{themes}]")
    return "\n".join(lines) + "\n"


def explainer_for(model: ThemeModel) -> Explainer:
    """An Explainer with the model folder's labelled-set index (None in a folder without one)."""
    from .neighbours import load_index

    return Explainer(model, load_index(model.path, model.metadata) if model.path is not None else None)
