"""Rank the labelled set's labels by how suspect they are, with cleanlab, for re-reading.

Out-of-fold probabilities come from 5-fold cross-validation of the shipped recipe over
every labelled file; cleanlab's ``find_label_issues`` (multi-label, ranked by
self-confidence) flags the articles whose given themes the model, trained without them,
finds least credible. The flagged articles are *re-read* against the codebook; the flag
only chooses what to read, it never changes a label.

    python labels/build/review.py labels/*.jsonl --out flagged.jsonl
"""

import argparse
import json

import numpy as np
from cleanlab.filter import find_label_issues

from kcna_themes.batch import BatchLog
from kcna_themes.embedding import load_embedder
from kcna_themes.labels import read_labelled, theme_matrix, themes_in
from kcna_themes.model import cross_validate
from kcna_themes.training import embed_articles


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("labels", nargs="+")
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    articles = read_labelled(args.labels, BatchLog())
    themes = themes_in(articles)
    Y = theme_matrix(articles, themes)
    texts = [a.capture.embed_text for a in articles]
    X = embed_articles(articles, load_embedder("default", max_tokens=128))
    probs = cross_validate(X, Y, themes, folds=5, texts=texts).probs
    given = [list(np.flatnonzero(row)) for row in Y]
    ranked = find_label_issues(labels=given, pred_probs=probs, multi_label=True,
                               return_indices_ranked_by="self_confidence")
    with open(args.out, "w", encoding="utf-8") as fh:
        for i in ranked:
            a = articles[i]
            fh.write(json.dumps({"id": a.capture.id, "given": a.themes,
                                 "model": {t: round(float(p), 3) for t, p in zip(themes, probs[i])}}) + "\n")
    print(f"{len(ranked)} of {len(articles)} labels flagged; written to {args.out}")


if __name__ == "__main__":
    main()
