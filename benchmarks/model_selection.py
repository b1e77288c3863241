"""Compare model recipes by 5-fold cross-validation on the labelled set.

Each recipe is an embedder (backend, long-text handling) and a classifier
setting (C, extra TF-IDF features). Every row is the same honest procedure as
``kcna-themes train`` reports: thresholds chosen inside each training fold.

    python benchmarks/model_selection.py labels/kcna-2011.jsonl [--backends torch onnx-int8]

Embeddings go through the normal cache, so a second run costs seconds.
"""

from __future__ import annotations

import argparse
import json
import time

from kcna_themes.batch import BatchLog
from kcna_themes.embedding import load_embedder
from kcna_themes.labels import read_labelled, theme_matrix, themes_in
from kcna_themes.model import ThemeClassifier, cross_validate
from kcna_themes.training import embed_articles


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("labels", nargs="+")
    ap.add_argument("--backends", nargs="+", default=["torch"])
    ap.add_argument("--long-text", nargs="+", default=["truncate", "chunk"])
    ap.add_argument("--max-tokens", nargs="+", type=int, default=[0], help="encoder windows to try (0: the model's)")
    ap.add_argument("--C", nargs="+", type=float, default=[1.0, 4.0, 16.0])
    ap.add_argument("--lexical", nargs="+", type=int, default=[0, 256],
                    help="sizes of the TF-IDF/SVD features beside the embedding (0: none)")
    ap.add_argument("--vocabulary", nargs="+", type=int, default=[10_000],
                    help="vocabulary sizes of the lexical features to try")
    ap.add_argument("--json", help="write all results here")
    args = ap.parse_args()

    articles = read_labelled(args.labels, BatchLog())
    themes = themes_in(articles)
    Y = theme_matrix(articles, themes)
    texts = [a.capture.embed_text for a in articles]
    print(f"{len(articles)} labelled articles, themes: {', '.join(themes)}")
    results = []
    recipes = [(b, lt, mt) for b in args.backends for lt in args.long_text for mt in args.max_tokens]
    for backend, long_text, max_tokens in recipes:
        emb = load_embedder("default", backend=backend, long_text=long_text, max_tokens=max_tokens or None)
        t = time.perf_counter()
        X = embed_articles(articles, emb)
        secs = time.perf_counter() - t
        for lexical, vocabulary in [(lx, v) for lx in args.lexical for v in (args.vocabulary if lx else [0])]:
            name = f"emb+lex{lexical}/{vocabulary // 1000}k" if lexical else "embedding"
            for C in args.C:
                cv = cross_validate(X, Y, themes, folds=5, texts=texts, classifier=ThemeClassifier(
                    C=C, lexical_dims=lexical, lexical_vocabulary=vocabulary or 10_000))
                per = {t: cv.scores["per_theme"][t]["f1"] for t in themes}
                row = {"backend": backend, "long_text": long_text, "max_tokens": max_tokens or "model",
                       "features": name, "C": C, "macro_f1": cv.scores["macro_f1"], "min_f1": min(per.values()),
                       "per_theme": per, "ece": cv.scores["calibration_error"], "embed_seconds": round(secs, 1)}
                results.append(row)
                print(f"{backend:10} {long_text:9} {max_tokens or 'model':5} {name:17} C={C:<5} "
                      f"macro-F1 {row['macro_f1']:.3f} min {row['min_f1']:.3f} ECE {row['ece']:.3f} | "
                      + " ".join(f"{t[:5]} {f:.2f}" for t, f in per.items()), flush=True)
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(results, fh, indent=1)


if __name__ == "__main__":
    main()
