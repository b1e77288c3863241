"""Rank the labelled set's labels by how suspect they are, with cleanlab, for re-reading.

Out-of-fold probabilities come from 5-fold cross-validation of the shipped recipe (the
settings of models/default's classifier, with its embedder) over
every labelled file; cleanlab's ``find_label_issues`` (multi-label, ranked by
self-confidence) flags the articles whose given themes the model, trained without them,
finds least credible. The flagged articles are *re-read* against the codebook; the flag
only chooses what to read, it never changes a label.

    python labels/build/review.py labels/*.jsonl --out flagged.jsonl
    python labels/build/review.py labels/*.jsonl --only labels/build/drawn-round5.jsonl --out flagged-round5.jsonl
"""

import argparse
import json

import numpy as np
from cleanlab.filter import find_label_issues
from sklearn.base import clone

from kcna_themes.batch import BatchLog
from kcna_themes.evaluation import cross_validate
from kcna_themes.labels import read_labelled, theme_matrix, themes_in
from kcna_themes.tagging import load_tagger


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("labels", nargs="+")
    ap.add_argument("--out", required=True)
    ap.add_argument("--only", help="a draw file (labels/build/drawn-*.jsonl): flag only the articles it drew")
    args = ap.parse_args()
    articles = read_labelled(args.labels, BatchLog())
    themes = themes_in(articles)
    Y = theme_matrix(articles, themes)
    texts = [a.capture.embed_text for a in articles]
    model, embedder = load_tagger()
    recipe = clone(model.classifier).set_params(embedder=embedder, themes=themes)
    probs = cross_validate(recipe, texts, Y, folds=5, n_jobs=2).probs
    given = [list(np.flatnonzero(row)) for row in Y]
    ranked = find_label_issues(labels=given, pred_probs=probs, multi_label=True,
                               return_indices_ranked_by="self_confidence")
    considered = len(articles)
    if args.only:
        with open(args.only, encoding="utf-8") as fh:
            drawn = {json.loads(line)["id"] for line in fh if line.strip()}
        ranked = [i for i in ranked if articles[i].capture.id in drawn]
        considered = sum(a.capture.id in drawn for a in articles)
    with open(args.out, "w", encoding="utf-8") as fh:
        for i in ranked:
            a = articles[i]
            fh.write(json.dumps({"id": a.capture.id, "given": a.themes,
                                 "model": {t: round(float(p), 3) for t, p in zip(themes, probs[i])}}) + "\n")
    print(f"{len(ranked)} of {considered} labels flagged; written to {args.out}")


if __name__ == "__main__":
    main()
