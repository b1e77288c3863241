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

from sklearn.model_selection import GridSearchCV, KFold

from kcna_themes.batch import BatchLog
from kcna_themes.classifier import ThemeClassifier
from kcna_themes.embedding import load_embedder
from kcna_themes.evaluation import calibration_error, theme_scores
from kcna_themes.labels import read_labelled, theme_matrix, themes_in


def fold_scores(themes):
    """A scorer for GridSearchCV: macro-F1, each theme's F1 and the calibration error of one fold,
    from one ``predict_proba`` (decisions at the fold's own thresholds)."""
    def score(estimator, X, Y) -> dict:
        probs = estimator.predict_proba(X)
        s = theme_scores(Y, probs >= estimator.thresholds_, themes)
        return {"macro_f1": s["macro_f1"], "ece": calibration_error(Y, probs),
                **{f"f1_{t}": s["per_theme"][t]["f1"] for t in themes}}
    return score


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
    grid = [{"C": args.C, "lexical_dims": [lx], "lexical_vocabulary": args.vocabulary if lx else [10_000]}
            for lx in args.lexical]
    for backend, long_text, max_tokens in recipes:
        emb = load_embedder("default", backend=backend, long_text=long_text, max_tokens=max_tokens or None)
        t = time.perf_counter()
        emb.embed(texts)  # once, into the cache: every fold below reads its vectors from there
        secs = time.perf_counter() - t
        # scikit-learn's GridSearchCV over the classifier's hyperparameters; each fold learns its
        # lexical features and thresholds on its own training part
        recipe = ThemeClassifier(embedder=emb, themes=themes, threshold_rule="best-f1",
                                 digest_rule=False, world_news_rule=False,  # the rules when measured
                                 headline_terms=0, lead_terms=0, read_dateline=True)
        search = GridSearchCV(recipe, grid, scoring=fold_scores(themes), cv=KFold(5, shuffle=True, random_state=0),
                              refit=False)
        search.fit(texts, Y)
        cv = search.cv_results_
        for i, params in enumerate(cv["params"]):
            lexical, vocabulary, C = params["lexical_dims"], params["lexical_vocabulary"], params["C"]
            name = f"emb+lex{lexical}/{vocabulary // 1000}k" if lexical else "embedding"
            per = {t: round(float(cv[f"mean_test_f1_{t}"][i]), 4) for t in themes}
            row = {"backend": backend, "long_text": long_text, "max_tokens": max_tokens or "model",
                   "features": name, "C": C, "macro_f1": round(float(cv["mean_test_macro_f1"][i]), 4),
                   "min_f1": min(per.values()), "per_theme": per, "ece": round(float(cv["mean_test_ece"][i]), 4),
                   "embed_seconds": round(secs, 1)}
            results.append(row)
            print(f"{backend:10} {long_text:9} {max_tokens or 'model':5} {name:17} C={C:<5} "
                  f"macro-F1 {row['macro_f1']:.3f} min {row['min_f1']:.3f} ECE {row['ece']:.3f} | "
                  + " ".join(f"{t[:5]} {f:.2f}" for t, f in per.items()), flush=True)
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(results, fh, indent=1)


if __name__ == "__main__":
    main()
